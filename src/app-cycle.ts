import type { TelegramParts } from "./app-telegram.js";
import type { createWebSubPart } from "./app-websub.js";
import type { Config } from "./config.js";
import { createFeedHealth } from "./feeds/health.js";
import type { CycleResult, Poller } from "./feeds/poller.js";
import type { Logger } from "./log.js";
import type { Metrics } from "./metrics.js";
import { createMaintenance } from "./store/maintenance.js";
import type { Repos } from "./store/repos.js";
import type { Store } from "./store/store.js";

/**
 * One poll cycle as the leader runs it: the poller, then the feeds' health (admin notes),
 * the store's upkeep; the WebSub round starts beside it (a slow hub never holds a poll).
 */
export function createCycle(deps: {
  config: Config;
  store: Store;
  repos: Repos;
  log: Logger;
  metrics: Metrics;
  poller: Poller;
  tg: TelegramParts | undefined;
  websub: ReturnType<typeof createWebSubPart>;
  now?: (() => number) | undefined;
}) {
  const { config, repos, log, metrics, poller, tg, websub } = deps;
  const feedHealth = createFeedHealth({
    health: repos.feedHealth,
    log,
    notify: tg ? (note) => tg.notifyAdmins(note) : async () => undefined,
    alertAfterMs: config.FEED_ALERT_AFTER,
    pauseAfterMs: config.FEED_PAUSE_AFTER,
    ...(deps.now ? { now: deps.now } : {}),
  });
  const maintain = createMaintenance({
    store: deps.store,
    repos,
    log,
    ledgerKeepMs: config.SEEN_TTL_DAYS * 86_400_000,
    itemsPerFeed: config.LATEST_KEEP,
    queueMaxMs: config.RETRY_MAX_HOURS * 3_600_000,
    searchKeepMs: config.SEARCH_KEEP_DAYS * 86_400_000,
  });
  let lastCycleAt = 0;
  let running: Promise<CycleResult> | undefined;
  let websubRun: Promise<void> | undefined;

  async function runOnce(): Promise<CycleResult> {
    // Cron's noOverlap covers scheduled runs; this covers the first run at start-up too.
    if (running) return running;
    running = (async () => {
      const result = await poller.runCycle();
      lastCycleAt = Date.now();
      metrics.newItems(result.newItems);
      metrics.pollSucceeded(lastCycleAt);
      await feedHealth
        .check(result.outcomes)
        .catch((err) => log.warn({ err }, "could not check the feeds' health"));
      if (websub && !websubRun)
        websubRun = repos.feeds
          .all()
          .then((feeds) => websub.sync(feeds))
          .catch((err) => log.warn({ err }, "could not bring the WebSub subscriptions up to date"))
          .finally(() => {
            websubRun = undefined;
          });
      await maintain();
      return result;
    })();
    try {
      return await running;
    } finally {
      running = undefined;
    }
  }

  return {
    runOnce,
    lastCycleAt: () => lastCycleAt,
    /** The cycle in progress and the WebSub round beside it, if any. */
    running: () => running,
    settled: async () => {
      await websubRun;
    },
  };
}
