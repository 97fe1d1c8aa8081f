/**
 * npm run preview -- <feed URL or file> [--all] [--json]
 *
 * Runs the bot's pipeline on one feed and prints each post exactly as it would be sent.
 * Without --all it follows the bot's rules (baseline, deduplication in STORE_URL), so a second
 * run prints nothing new; --all prints every item and writes nothing. Logs go to stderr.
 */
import { parseArgs } from "node:util";
import { zoneOffsetMinutes } from "../src/app.js";
import { ConfigError, loadConfig, parseFeedList } from "../src/config.js";
import { createConsoleSink } from "../src/delivery/console.js";
import { createFetcher } from "../src/feeds/fetch.js";
import { createPoller } from "../src/feeds/poller.js";
import { readFeed } from "../src/feeds/read.js";
import { createLogger } from "../src/log.js";
import { SAMPLE_FEED } from "../src/paths.js";
import { createFeedStateRepo, createItemsRepo, createMetaRepo, createSeenRepo } from "../src/store/repos.js";
import { openStore } from "../src/store/store.js";
import { SUMMARY_CHARS } from "../src/telegram/render.js";

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { all: { type: "boolean", default: false }, json: { type: "boolean", default: false } },
  });
  const arg = positionals[0];
  if (!arg) {
    process.stderr.write("usage: npm run preview -- <feed URL or file> [--all] [--json]\n");
    return 2;
  }
  const config = loadConfig({ ...process.env, FEEDS: arg }, SAMPLE_FEED);
  const feed = parseFeedList(arg)[0];
  if (!feed) throw new ConfigError(`not a feed: ${arg}`);
  const log = createLogger(config.LOG_LEVEL);
  const fetcher = createFetcher({
    timeoutMs: config.FETCH_TIMEOUT_MS,
    connectTimeoutMs: config.CONNECT_TIMEOUT_MS,
    maxBytes: config.FETCH_MAX_BYTES,
    maxRedirects: config.FETCH_MAX_REDIRECTS,
    allowPrivate: true, // the operator's own command line is trusted, like FEEDS
  });
  const render = {
    language: config.DEFAULT_LANGUAGE,
    timeZone: config.TIMEZONE,
    summaryChars: SUMMARY_CHARS.normal,
    withImage: true,
  };
  const sink = createConsoleSink({ render, json: values.json });
  const offsetMin = zoneOffsetMinutes(config.TIMEZONE);
  try {
    if (values.all) {
      const res = await readFeed(fetcher, feed.name, { ...feed, trusted: true }, {}, offsetMin);
      const items = res.status === "ok" ? res.entries.map((e) => e.complete()) : [];
      await sink(feed, items);
      process.stderr.write(`preview: ${items.length} item(s), nothing written\n`);
      return 0;
    }
    const store = await openStore(config.STORE_URL, log);
    try {
      const poller = createPoller({
        fetcher,
        feedStates: createFeedStateRepo(store),
        seen: createSeenRepo(store, config.SEEN_TTL_DAYS * 86_400_000),
        items: createItemsRepo(store, config.LATEST_KEEP),
        meta: createMetaRepo(store),
        log,
        feeds: () => [feed],
        isTrusted: () => true,
        onNewItems: sink,
        baselineAnnounce: config.BASELINE_ANNOUNCE,
        backoffMaxCycles: config.BACKOFF_MAX_CYCLES,
        concurrency: 1,
        offsetMin,
        cycleMs: 0,
      });
      const outcome = await poller.pollFeed(feed, 0, true);
      if (outcome.status === "error") {
        process.stderr.write(`preview: ${feed.name}: ${outcome.error}\n`);
        return 1;
      }
      const fresh = "fresh" in outcome ? outcome.fresh : 0;
      process.stderr.write(`preview: ${fresh} new post(s) (${outcome.status}); store ${config.STORE_URL}\n`);
      return 0;
    } finally {
      await store.close();
    }
  } catch (error) {
    process.stderr.write(`preview: ${feed.name}: ${(error as Error).message}\n`);
    return 1;
  } finally {
    fetcher.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`preview: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  },
);
