import type { SummaryParts } from "./app-summaries.js";
import type { TelegramParts } from "./app-telegram.js";
import type { createWebSubPart } from "./app-websub.js";
import type { Config } from "./config.js";
import { createConsoleSink } from "./delivery/console.js";
import type { StoredItem } from "./domain/types.js";
import type { Fetcher } from "./feeds/fetch.js";
import { createPoller, type Poller } from "./feeds/poller.js";
import type { Logger } from "./log.js";
import type { Metrics } from "./metrics.js";
import type { Repos } from "./store/repos.js";
import { SUMMARY_CHARS } from "./telegram/render.js";

/**
 * The poller as the app runs it: new items go to Telegram's planner (or, without a token, are
 * printed), each read is counted, feeds are read when due (adaptive polling) and those a
 * WebSub hub pushes only as a safety net.
 */
export function createPollerPart(deps: {
  config: Config;
  log: Logger;
  repos: Repos;
  fetcher: Fetcher;
  summaries: Pick<SummaryParts, "articles" | "summarize">;
  tg: TelegramParts | undefined;
  metrics: Metrics;
  readTimes: Map<string, number>;
  websub: ReturnType<typeof createWebSubPart>;
  offsetMin: number;
  cycleMs: number;
  json: boolean;
}): Poller {
  const { config, log, repos, tg, metrics, websub, cycleMs } = deps;
  let sink: (items: StoredItem[]) => Promise<void>;
  if (tg) sink = tg.sink;
  else {
    const print = createConsoleSink({
      json: deps.json,
      render: {
        language: config.DEFAULT_LANGUAGE,
        timeZone: config.TIMEZONE,
        summaryChars: SUMMARY_CHARS.normal,
        withImage: true,
      },
    });
    sink = (stored) => print(stored.map((s) => s.item));
  }
  return createPoller({
    fetcher: deps.fetcher,
    articles: deps.summaries.articles,
    summarize: deps.summaries.summarize,
    feedStates: repos.feedStates,
    seen: repos.seen,
    items: repos.items,
    meta: repos.meta,
    log,
    feeds: () => repos.feeds.all(),
    isTrusted: (feed) => repos.feeds.isTrusted(feed),
    onNewItems: (list) => sink(list),
    onChangedItems:
      tg && config.EDIT_WINDOW_HOURS > 0 ? async (list) => void (await tg.correct(list)) : undefined,
    baselineAnnounce: config.BASELINE_ANNOUNCE,
    maxAnnounce: config.ANNOUNCE_MAX,
    backoffMaxCycles: config.BACKOFF_MAX_CYCLES,
    concurrency: config.FETCH_CONCURRENCY,
    offsetMin: deps.offsetMin,
    cycleMs,
    onRead: (feed, outcome, seconds) => {
      metrics.feedFetch(outcome, seconds);
      deps.readTimes.set(feed, seconds);
    },
    pausedFeeds: () => repos.feedHealth.paused(),
    async onMoved(feed, to) {
      await repos.feeds.move(feed, to);
      log.warn(
        { component: "poller", feed: feed.name, to },
        "the feed moved for good: read at its new address",
      );
      await tg?.notifyAdmins({ kind: "moved", feed: feed.name, since: Date.now(), from: feed.url, to });
    },
    pushedFeeds: websub?.pushed,
    onHints: websub?.noteHints,
    // A feed due a little after a tick is read at that tick, not a whole tick later.
    schedule: { minMs: config.POLL_MIN, maxMs: config.POLL_MAX, slackMs: Math.min(cycleMs / 2, 30_000) },
  });
}
