import { createTask } from "node-cron";
import type { Config, FeedSource } from "./config.js";
import { createConsoleSink } from "./delivery/console.js";
import { createFetcher, type Fetcher } from "./feeds/fetch.js";
import type { FeedItem } from "./feeds/item.js";
import { type CycleResult, createPoller, type Poller } from "./feeds/poller.js";
import type { Logger } from "./log.js";
import { createFeedStateRepo, createItemsRepo, createMetaRepo, createSeenRepo } from "./store/repos.js";
import type { Store } from "./store/store.js";
import { SUMMARY_CHARS } from "./telegram/render.js";

export interface AppDeps {
  config: Config;
  log: Logger;
  store: Store;
  /** Where new items go. Defaults to printing posts on stdout (no BOT_TOKEN). */
  sink?: (feed: FeedSource, items: FeedItem[]) => Promise<void>;
  json?: boolean;
}

export interface App {
  poller: Poller;
  fetcher: Fetcher;
  runOnce(): Promise<CycleResult>;
  /** Starts the cron schedule; cycles never overlap. */
  start(): void;
  stop(): Promise<void>;
}

/** Minutes east of UTC of a time zone right now (Asia/Ho_Chi_Minh → 420). */
export function zoneOffsetMinutes(timeZone: string, at = new Date()): number {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" }).formatToParts(at);
  const name = parts.find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/** The composition root: the only place that knows every part. */
export function createApp(deps: AppDeps): App {
  const { config, log, store } = deps;
  const fetcher = createFetcher({
    timeoutMs: config.FETCH_TIMEOUT_MS,
    connectTimeoutMs: config.CONNECT_TIMEOUT_MS,
    maxBytes: config.FETCH_MAX_BYTES,
    maxRedirects: config.FETCH_MAX_REDIRECTS,
    allowPrivate: config.ALLOW_PRIVATE_FEEDS,
  });
  const operatorFeeds = new Set(config.FEEDS.map((f) => f.name));
  const sink =
    deps.sink ??
    createConsoleSink({
      json: deps.json ?? false,
      render: {
        language: config.DEFAULT_LANGUAGE,
        timeZone: config.TIMEZONE,
        summaryChars: SUMMARY_CHARS.normal,
        withImage: true,
      },
    });
  let cycleMs = 5 * 60_000;
  const task = createTask(config.POLL_CRON, () => runOnce(), {
    timezone: config.TIMEZONE,
    noOverlap: true,
    name: "poll",
  });
  const [a, b] = task.getNextRuns(2);
  if (a && b) cycleMs = b.getTime() - a.getTime();

  const poller = createPoller({
    fetcher,
    feedStates: createFeedStateRepo(store),
    seen: createSeenRepo(store, config.SEEN_TTL_DAYS * 86_400_000),
    items: createItemsRepo(store, config.LATEST_KEEP),
    meta: createMetaRepo(store),
    log,
    feeds: () => config.FEEDS,
    isTrusted: (feed) => operatorFeeds.has(feed.name),
    onNewItems: sink,
    baselineAnnounce: config.BASELINE_ANNOUNCE,
    backoffMaxCycles: config.BACKOFF_MAX_CYCLES,
    concurrency: config.FETCH_CONCURRENCY,
    offsetMin: zoneOffsetMinutes(config.TIMEZONE),
    cycleMs,
  });

  let purgedAt = 0;
  async function runOnce(): Promise<CycleResult> {
    const result = await poller.runCycle();
    if (Date.now() - purgedAt > 3_600_000) {
      purgedAt = Date.now();
      const purged = await store.purgeExpired();
      if (purged) log.info({ component: "store", purged }, "expired entries removed");
    }
    return result;
  }

  return {
    poller,
    fetcher,
    runOnce,
    start() {
      task.start();
    },
    async stop() {
      await task.stop();
      await task.destroy();
      fetcher.close();
    },
  };
}
