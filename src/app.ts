import { randomUUID } from "node:crypto";
import { Api, type Bot, GrammyError } from "grammy";
import { createTask } from "node-cron";
import type { Config } from "./config.js";
import { createFloodBudget, type FloodBudget } from "./delivery/budget.js";
import { createConsoleSink } from "./delivery/console.js";
import { createDeliveryWorker, type DeliveryWorker } from "./delivery/worker.js";
import type { StoredItem } from "./domain/types.js";
import { createFetcher, type Fetcher } from "./feeds/fetch.js";
import { type CycleResult, createPoller, type Poller } from "./feeds/poller.js";
import { readFeed } from "./feeds/read.js";
import { startHealthServer } from "./http/health.js";
import type { Logger } from "./log.js";
import { cronLogger, logUpdateFetchErrors } from "./log-routing.js";
import { createMaintenance } from "./store/maintenance.js";
import { createRepos, type Repos } from "./store/repos.js";
import type { Store } from "./store/store.js";
import { createBot, createI18n, setCommands } from "./telegram/bot.js";
import type { BotContext, BotDeps } from "./telegram/context.js";
import { startLongPolling } from "./telegram/polling.js";
import { SUMMARY_CHARS } from "./telegram/render.js";

export interface AppDeps {
  config: Config;
  log: Logger;
  store: Store;
  /** Print posts as JSON lines (console mode). */
  json?: boolean;
  /** Called when the process must end (Telegram refused the token). */
  onFatal?: (code: number) => void;
}

export interface App {
  poller: Poller;
  fetcher: Fetcher;
  repos: Repos;
  bot?: Bot<BotContext> | undefined;
  worker?: DeliveryWorker | undefined;
  budget?: FloodBudget | undefined;
  /** This process's id in claims and leases. */
  instanceId: string;
  runOnce(): Promise<CycleResult>;
  /** Cron, the bot's long polling, deliveries and the health endpoints. */
  start(): Promise<void>;
  /** Stops everything by `deadline` (default: SHUTDOWN_TIMEOUT_MS from now); pending deliveries stay queued. */
  stop(deadline?: number): Promise<void>;
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
  const instanceId = `${process.pid}-${randomUUID().slice(0, 8)}`;
  const fetcher = createFetcher({
    timeoutMs: config.FETCH_TIMEOUT_MS,
    connectTimeoutMs: config.CONNECT_TIMEOUT_MS,
    maxBytes: config.FETCH_MAX_BYTES,
    maxRedirects: config.FETCH_MAX_REDIRECTS,
    allowPrivate: config.ALLOW_PRIVATE_FEEDS,
  });
  const offsetMin = zoneOffsetMinutes(config.TIMEZONE);
  const repos = createRepos(store, {
    operatorFeeds: config.FEEDS,
    seenTtlMs: config.SEEN_TTL_DAYS * 86_400_000,
  });

  let bot: Bot<BotContext> | undefined;
  let i18n: ReturnType<typeof createI18n> | undefined;
  let worker: DeliveryWorker | undefined;
  let budget: FloodBudget | undefined;
  let sink: (items: StoredItem[]) => Promise<void>;

  if (config.BOT_TOKEN) {
    const t = createI18n(config.DEFAULT_LANGUAGE, repos.settings);
    i18n = t;
    // One flood budget for every call of the token: replies (the bot's Api) go first, posts
    // (the worker's Api) fill the rest.
    const b = createFloodBudget({ rate: config.SEND_RATE, replyMaxWaitMs: config.REPLY_MAX_WAIT_MS, log });
    budget = b;
    const botDeps: BotDeps = {
      feeds: repos.feeds,
      feedStates: repos.feedStates,
      items: repos.items,
      subscriptions: repos.subscriptions,
      settings: repos.settings,
      adminIds: new Set(config.ADMIN_IDS),
      timeZone: config.TIMEZONE,
      defaultLanguage: config.DEFAULT_LANGUAGE,
      tryFeed: async (name, url) => {
        const res = await readFeed(fetcher, name, { url, kind: "http", trusted: false }, {}, offsetMin);
        return res.status === "ok" ? res.total : 0;
      },
      deliveryStats: async () => {
        const [counts, meta] = await Promise.all([
          repos.deliveries.counts(),
          repos.meta.get(["digests_sent"]),
        ]);
        const w = worker?.stats();
        return {
          sent: counts.sent,
          digests: meta.digests_sent ?? 0,
          pending: counts.pending,
          dead: counts.dead,
          flood429: b.stats().flood429,
          retries: w?.retries ?? 0,
          fallbacks: w?.fallbacks ?? 0,
        };
      },
      settingsChanged: (chatId) => worker?.invalidate(chatId),
    };
    bot = createBot({
      token: config.BOT_TOKEN,
      apiRoot: config.TELEGRAM_API_ROOT,
      deps: botDeps,
      i18n: t,
      log,
      // Replies and getUpdates are bounded too (the long poll ends 5 s before this).
      timeoutSeconds: config.TELEGRAM_TIMEOUT_S,
      // Telegram re-delivers an update whose answer it did not see: handled once.
      claimUpdate: (id) => repos.updates.claim(id),
    });
    bot.api.config.use(b.transformer("reply"));
    bot.api.config.use(logUpdateFetchErrors(log));
    // Posts go through an Api of their own: a bounded timeout, the post lane of the budget,
    // and nothing else retrying behind the worker's back.
    const postApi = new Api(config.BOT_TOKEN, {
      apiRoot: config.TELEGRAM_API_ROOT,
      timeoutSeconds: config.TELEGRAM_TIMEOUT_S,
    });
    postApi.config.use(b.transformer("post"));
    worker = createDeliveryWorker({
      api: postApi,
      budget: b,
      deliveries: repos.deliveries,
      items: repos.items,
      subscriptions: repos.subscriptions,
      settings: repos.settings,
      log,
      digestHeader: (language, count) => t.t(language, "digest-title", { count }),
      timeZone: config.TIMEZONE,
      defaultLanguage: config.DEFAULT_LANGUAGE,
      paidBroadcast: config.PAID_BROADCAST,
      digestThreshold: config.DIGEST_THRESHOLD,
      owner: instanceId,
      claimTtlMs: config.DELIVERY_CLAIM_S * 1000,
      retryMaxMs: config.RETRY_MAX_HOURS * 3_600_000,
    });
    const w = worker;
    // New items × matching subscriptions become delivery rows in the database (one
    // INSERT … SELECT per batch, unique per chat and story) before the items are marked seen.
    sink = async (stored) => {
      const planned = await repos.deliveries.plan(stored.map((s) => s.rowId));
      if (planned)
        log.info(
          {
            component: "planner",
            feeds: new Set(stored.map((s) => s.item.feed)).size,
            items: stored.length,
            deliveries: planned,
          },
          "deliveries planned",
        );
      w.wake();
    };
  } else {
    const print = createConsoleSink({
      json: deps.json ?? false,
      render: {
        language: config.DEFAULT_LANGUAGE,
        timeZone: config.TIMEZONE,
        summaryChars: SUMMARY_CHARS.normal,
        withImage: true,
      },
    });
    sink = (stored) => print(stored.map((s) => s.item));
  }

  let cycleMs = 5 * 60_000;
  let lastCycleAt = 0;
  const task = createTask(config.POLL_CRON, () => runOnce(), {
    timezone: config.TIMEZONE,
    noOverlap: true,
    name: "poll",
    logger: cronLogger(log),
  });
  const [a, b] = task.getNextRuns(2);
  if (a && b) cycleMs = b.getTime() - a.getTime();

  const poller = createPoller({
    fetcher,
    feedStates: repos.feedStates,
    seen: repos.seen,
    items: repos.items,
    meta: repos.meta,
    log,
    feeds: () => repos.feeds.all(),
    isTrusted: (feed) => repos.feeds.isTrusted(feed),
    onNewItems: (list) => sink(list),
    baselineAnnounce: config.BASELINE_ANNOUNCE,
    maxAnnounce: config.ANNOUNCE_MAX,
    backoffMaxCycles: config.BACKOFF_MAX_CYCLES,
    concurrency: config.FETCH_CONCURRENCY,
    offsetMin,
    cycleMs,
  });

  const maintain = createMaintenance({
    store,
    repos,
    log,
    ledgerKeepMs: config.SEEN_TTL_DAYS * 86_400_000,
    itemsPerFeed: config.LATEST_KEEP,
    queueMaxMs: config.RETRY_MAX_HOURS * 3_600_000,
  });

  let cycleRunning: Promise<CycleResult> | undefined;
  async function runOnce(): Promise<CycleResult> {
    // Cron's noOverlap covers scheduled runs; this covers the first run at start-up too.
    if (cycleRunning) return cycleRunning;
    cycleRunning = (async () => {
      const result = await poller.runCycle();
      lastCycleAt = Date.now();
      await maintain();
      return result;
    })();
    try {
      return await cycleRunning;
    } finally {
      cycleRunning = undefined;
    }
  }

  let polling: { stop(): Promise<void> } | undefined;
  let stopping = false;
  const starting = new AbortController();
  let health: { close(): Promise<void> } | undefined;

  return {
    poller,
    fetcher,
    repos,
    bot,
    worker,
    budget,
    instanceId,
    runOnce,
    async start() {
      if (config.HTTP_PORT) {
        health = await startHealthServer(config.HTTP_PORT, {
          store: () => store.writeCheck(),
          lastCycleAt: () => lastCycleAt,
          maxCycleAgeMs: Math.max(3 * cycleMs, 120_000),
          deliveryStuck: () => worker?.health().stuck ?? false,
          shuttingDown: () => stopping,
          details: () => (worker ? { inFlight: worker.stats().inFlight, due: worker.stats().pending } : {}),
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
          if (error instanceof GrammyError && error.error_code === 401) {
            throw new Error("Telegram refused BOT_TOKEN (401 Unauthorized): check the token from @BotFather");
          }
          throw error;
        }
        await worker.start();
        await setCommands(bot, i18n, config.DEFAULT_LANGUAGE).catch((err) =>
          log.warn({ err }, "could not set the command menus"),
        );
        polling = startLongPolling({
          bot,
          log,
          timeoutSeconds: config.TELEGRAM_TIMEOUT_S,
          onFatal: (code) => deps.onFatal?.(code),
        });
        log.info({ bot: bot.botInfo.username }, "bot is running (long polling)");
      }
      task.start();
      void runOnce().catch((err) => log.error({ err }, "poll cycle failed"));
    },
    async stop(deadline = Date.now() + config.SHUTDOWN_TIMEOUT_MS) {
      stopping = true;
      starting.abort();
      // One deadline for the whole stop: each step gets what is left of it, whatever hangs.
      const left = () => Math.max(0, deadline - Date.now());
      const bounded = <T>(p: Promise<T> | undefined) => {
        let timer: NodeJS.Timeout | undefined;
        return Promise.race([
          Promise.resolve(p).catch(() => undefined),
          new Promise((r) => {
            timer = setTimeout(r, left());
          }),
        ]).finally(() => clearTimeout(timer));
      };
      await bounded(Promise.resolve(task.stop()).then(() => task.destroy()));
      await bounded(polling?.stop());
      await worker?.stop(left());
      if (cycleRunning) await bounded(cycleRunning);
      await bounded(health?.close());
      fetcher.close();
    },
  };
}
