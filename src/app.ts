import { type RunnerHandle, run } from "@grammyjs/runner";
import type { Bot } from "grammy";
import { createTask } from "node-cron";
import type { Config, FeedSource } from "./config.js";
import { createConsoleSink } from "./delivery/console.js";
import { createDeliveryWorker, type DeliveryWorker } from "./delivery/worker.js";
import { createFetcher, type Fetcher } from "./feeds/fetch.js";
import type { FeedItem } from "./feeds/item.js";
import { type CycleResult, createPoller, type Poller } from "./feeds/poller.js";
import { readFeed } from "./feeds/read.js";
import { startHealthServer } from "./http/health.js";
import type { Logger } from "./log.js";
import { createSettingsRepo } from "./store/chat-settings.js";
import { createFeedRegistry, type FeedRegistry } from "./store/feed-registry.js";
import { createOutboxRepo, newDelivery, type OutboxRepo } from "./store/outbox.js";
import { createFeedStateRepo, createItemsRepo, createMetaRepo, createSeenRepo } from "./store/repos.js";
import type { Store } from "./store/store.js";
import { createSubscriptionRepo, type SubscriptionRepo, wants } from "./store/subscriptions.js";
import { createBot, createI18n, setCommands } from "./telegram/bot.js";
import type { BotContext, BotDeps } from "./telegram/context.js";
import { SUMMARY_CHARS } from "./telegram/render.js";

export interface AppDeps {
  config: Config;
  log: Logger;
  store: Store;
  /** Print posts as JSON lines (console mode). */
  json?: boolean;
}

export interface App {
  poller: Poller;
  fetcher: Fetcher;
  feeds: FeedRegistry;
  bot?: Bot<BotContext> | undefined;
  worker?: DeliveryWorker | undefined;
  outbox: OutboxRepo;
  subscriptions: SubscriptionRepo;
  runOnce(): Promise<CycleResult>;
  /** Cron, the bot's long polling, deliveries and /healthz. */
  start(): Promise<void>;
  /** Stops everything within the shutdown bound; pending deliveries stay in the outbox. */
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
  const offsetMin = zoneOffsetMinutes(config.TIMEZONE);
  const feeds = createFeedRegistry(config.FEEDS, store);
  const feedStates = createFeedStateRepo(store);
  const items = createItemsRepo(store, config.LATEST_KEEP);
  const subscriptions = createSubscriptionRepo(store);
  const settings = createSettingsRepo(store);
  const outbox = createOutboxRepo(store, config.SEEN_TTL_DAYS * 86_400_000);

  let bot: Bot<BotContext> | undefined;
  let i18n: ReturnType<typeof createI18n> | undefined;
  let worker: DeliveryWorker | undefined;
  let sink: (feed: FeedSource, items: FeedItem[]) => Promise<void>;

  if (config.BOT_TOKEN) {
    const t = createI18n(config.DEFAULT_LANGUAGE, settings);
    i18n = t;
    // Sends go through a plain Api object, not the bot's, so nothing else can
    // retry them behind the worker's back.
    const botDeps: BotDeps = {
      feeds,
      feedStates,
      items,
      subscriptions,
      settings,
      outbox,
      adminIds: new Set(config.ADMIN_IDS),
      timeZone: config.TIMEZONE,
      defaultLanguage: config.DEFAULT_LANGUAGE,
      tryFeed: async (name, url) => {
        const res = await readFeed(fetcher, name, { url, kind: "http", trusted: false }, {}, offsetMin);
        return res.status === "ok" ? res.entries.length : 0;
      },
      deliveryStats: () =>
        worker?.stats() ?? { sent: 0, digests: 0, flood429: 0, retries: 0, dropped: 0, pending: 0 },
      settingsChanged: (chatId) => worker?.invalidate(chatId),
    };
    bot = createBot({
      token: config.BOT_TOKEN,
      apiRoot: config.TELEGRAM_API_ROOT,
      deps: botDeps,
      i18n: t,
      log,
    });
    worker = createDeliveryWorker({
      api: bot.api,
      outbox,
      subscriptions,
      settings,
      log,
      digestHeader: (language, count) => t.t(language, "digest-title", { count }),
      timeZone: config.TIMEZONE,
      defaultLanguage: config.DEFAULT_LANGUAGE,
      sendRate: config.SEND_RATE,
      paidBroadcast: config.PAID_BROADCAST,
      digestThreshold: config.DIGEST_THRESHOLD,
    });
    const w = worker;
    // New items × matching subscriptions become deliveries, persisted before anything is
    // sent (and before the poller marks the items seen).
    sink = async (feed, newItems) => {
      const subs = (await subscriptions.list()).filter((s) => wants(s, feed.name));
      const planned = subs.flatMap((s) =>
        newItems.map((item) => newDelivery(s.chatId, s.threadId, feed.name, item)),
      );
      const fresh = await outbox.enqueue(planned);
      if (fresh.length)
        log.info(
          { component: "planner", feed: feed.name, items: newItems.length, deliveries: fresh.length },
          "deliveries planned",
        );
      w.add(fresh);
    };
  } else {
    sink = createConsoleSink({
      json: deps.json ?? false,
      render: {
        language: config.DEFAULT_LANGUAGE,
        timeZone: config.TIMEZONE,
        summaryChars: SUMMARY_CHARS.normal,
        withImage: true,
      },
    });
  }

  let cycleMs = 5 * 60_000;
  let lastCycleAt = 0;
  const task = createTask(config.POLL_CRON, () => runOnce(), {
    timezone: config.TIMEZONE,
    noOverlap: true,
    name: "poll",
  });
  const [a, b] = task.getNextRuns(2);
  if (a && b) cycleMs = b.getTime() - a.getTime();

  const poller = createPoller({
    fetcher,
    feedStates,
    seen: createSeenRepo(store, config.SEEN_TTL_DAYS * 86_400_000),
    items,
    meta: createMetaRepo(store),
    log,
    feeds: () => feeds.all(),
    isTrusted: (feed) => feeds.isTrusted(feed),
    onNewItems: (feed, list) => sink(feed, list),
    baselineAnnounce: config.BASELINE_ANNOUNCE,
    backoffMaxCycles: config.BACKOFF_MAX_CYCLES,
    concurrency: config.FETCH_CONCURRENCY,
    offsetMin,
    cycleMs,
  });

  let purgedAt = 0;
  let cycleRunning: Promise<CycleResult> | undefined;
  async function runOnce(): Promise<CycleResult> {
    // Cron's noOverlap covers scheduled runs; this covers the first run at start-up too.
    if (cycleRunning) return cycleRunning;
    cycleRunning = (async () => {
      const result = await poller.runCycle();
      lastCycleAt = Date.now();
      if (Date.now() - purgedAt > 3_600_000) {
        purgedAt = Date.now();
        const purged = await store.purgeExpired();
        if (purged) log.info({ component: "store", purged }, "expired entries removed");
      }
      return result;
    })();
    try {
      return await cycleRunning;
    } finally {
      cycleRunning = undefined;
    }
  }

  let runner: RunnerHandle | undefined;
  const starting = new AbortController();
  let health: { close(): Promise<void> } | undefined;

  return {
    poller,
    fetcher,
    feeds,
    bot,
    worker,
    outbox,
    subscriptions,
    runOnce,
    async start() {
      if (config.HTTP_PORT) {
        health = await startHealthServer(config.HTTP_PORT, {
          lastCycleAt: () => lastCycleAt,
          maxAgeMs: Math.max(3 * cycleMs, 120_000),
          ping: () => store.ping(),
          details: () => (worker ? { pending: worker.stats().pending } : {}),
          log,
        });
      }
      if (bot && worker && i18n) {
        // grammY retries getMe until Telegram answers; a stop during that aborts it.
        log.info({ apiRoot: config.TELEGRAM_API_ROOT }, "connecting to the Bot API");
        try {
          await bot.init(starting.signal as Parameters<typeof bot.init>[0]);
        } catch (error) {
          if (starting.signal.aborted) return;
          throw error;
        }
        await worker.start();
        await setCommands(bot, i18n, config.DEFAULT_LANGUAGE).catch((err) =>
          log.warn({ err }, "could not set the command menus"),
        );
        runner = run(bot, {
          runner: {
            fetch: {
              allowed_updates: [
                "message",
                "edited_message",
                "callback_query",
                "my_chat_member",
                "channel_post",
              ],
            },
          },
        });
        log.info({ bot: bot.botInfo.username }, "bot is running (long polling)");
      }
      task.start();
      void runOnce().catch((err) => log.error({ err }, "poll cycle failed"));
    },
    async stop() {
      starting.abort();
      await task.stop();
      await task.destroy();
      if (runner?.isRunning()) await runner.stop();
      await worker?.stop(config.SHUTDOWN_TIMEOUT_MS);
      if (cycleRunning)
        await Promise.race([
          cycleRunning.catch(() => undefined),
          new Promise((r) => setTimeout(r, config.SHUTDOWN_TIMEOUT_MS)),
        ]);
      await health?.close();
      fetcher.close();
    },
  };
}
