/**
 * npm run preview -- <feed URL or file> [--all] [--json]
 *
 * Runs the bot's pipeline on one feed and prints each post exactly as it would be sent.
 * Without --all it follows the bot's rules (baseline, deduplication in STORE_URL), so a second
 * run prints nothing new; --all prints every item and writes nothing. Logs go to stderr.
 */
import { parseArgs } from "node:util";
import { type Config, ConfigError, type FeedSource, loadConfig } from "../src/config.js";
import { createConsoleSink } from "../src/delivery/console.js";
import { zoneOffsetMinutes } from "../src/domain/time.js";
import { createFetcher } from "../src/feeds/fetch.js";
import { readFeed } from "../src/feeds/read.js";
import { createLogger } from "../src/log.js";
import { SAMPLE_FEED } from "../src/paths.js";
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
  // The preview prints; it never sends, even where BOT_TOKEN is set.
  const config = loadConfig({ ...process.env, FEEDS: arg, BOT_TOKEN: "" }, SAMPLE_FEED);
  const feed = config.FEEDS[0];
  if (!feed) throw new ConfigError(`not a feed: ${arg}`);
  const log = createLogger(config.LOG_LEVEL);
  try {
    if (values.all) return await previewAll(config, feed, values.json);
    // The bot's own pipeline and rules, printing instead of sending (loaded only here: --all
    // needs neither the store nor the app).
    const [{ openStore }, { createApp }] = await Promise.all([
      import("../src/store/store.js"),
      import("../src/app.js"),
    ]);
    const store = await openStore(config.STORE_URL, { log });
    const app = createApp({ config, log, store, json: values.json });
    try {
      const outcome = await app.poller.pollFeed(feed, 0, true);
      if (outcome.status === "error") {
        process.stderr.write(`preview: ${feed.name}: ${outcome.error}\n`);
        return 1;
      }
      const fresh = "fresh" in outcome ? outcome.fresh : 0;
      process.stderr.write(`preview: ${fresh} new post(s) (${outcome.status}); store ${config.STORE_URL}\n`);
      return 0;
    } finally {
      await app.stop();
      await store.close();
    }
  } catch (error) {
    process.stderr.write(`preview: ${feed.name}: ${(error as Error).message}\n`);
    return 1;
  }
}

/** --all: every item of the feed, rendered; nothing is read from or written to the store. */
async function previewAll(config: Config, feed: FeedSource, json: boolean): Promise<number> {
  const fetcher = createFetcher({
    timeoutMs: config.FETCH_TIMEOUT_MS,
    connectTimeoutMs: config.CONNECT_TIMEOUT_MS,
    maxBytes: config.FETCH_MAX_BYTES,
    maxRedirects: config.FETCH_MAX_REDIRECTS,
    allowPrivate: true, // the operator's own command line is trusted, like FEEDS
  });
  try {
    const offsetMin = zoneOffsetMinutes(config.TIMEZONE);
    const res = await readFeed(
      fetcher,
      feed.name,
      { ...feed, trusted: true },
      {},
      { offsetMin, label: feed.label },
    );
    const items = res.status === "ok" ? res.entries.map((e) => e.complete()) : [];
    const render = {
      language: config.DEFAULT_LANGUAGE,
      timeZone: config.TIMEZONE,
      summaryChars: SUMMARY_CHARS.normal,
      withImage: true,
    };
    await createConsoleSink({ render, json })(items);
    process.stderr.write(`preview: ${items.length} item(s), nothing written\n`);
    return 0;
  } finally {
    fetcher.close();
  }
}

/** Exits once everything written to stdout has reached the pipe or file (exit would drop it). */
function exitAfterFlush(code: number): void {
  process.exitCode = code;
  process.stdout.write("", () => process.exit(code));
}

main().then(exitAfterFlush, (error) => {
  process.stderr.write(`preview: ${error instanceof Error ? error.message : String(error)}\n`);
  exitAfterFlush(error instanceof ConfigError ? 2 : 1);
});
