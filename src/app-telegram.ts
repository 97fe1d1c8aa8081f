import { Api, type Bot, GrammyError } from "grammy";
import { createOperatorParts } from "./app-operator.js";
import type { Config } from "./config.js";
import { createFloodBudget, type FloodBudget } from "./delivery/budget.js";
import { type BulletinScheduler, createBulletinScheduler } from "./delivery/bulletins.js";
import { createCorrector } from "./delivery/corrections.js";
import { createDeliveryWorker, type DeliveryWorker } from "./delivery/worker.js";
import { FeedUnreadable } from "./domain/feeds.js";
import { type FeedItem, publishedMs, type StoredItem } from "./domain/types.js";
import type { Fetcher } from "./feeds/fetch.js";
import type { HealthNote } from "./feeds/health.js";
import { createProbe } from "./feeds/opml-import.js";
import { readErrorReason, readFeed } from "./feeds/read.js";
import type { RouteHandler } from "./http/health.js";
import type { Logger } from "./log.js";
import { logUpdateFetchErrors } from "./log-routing.js";
import type { Metrics } from "./metrics.js";
import { GLOBAL_PAUSE } from "./store/pauses.js";
import type { InboxRepo, Repos } from "./store/repos.js";
import { createBot, createI18n } from "./telegram/bot.js";
import type { BotContext, BotDeps } from "./telegram/context.js";
import { createWebhookIngest, registerWebhook } from "./telegram/webhook.js";

export interface TelegramParts {
  bot: Bot<BotContext>;
  i18n: ReturnType<typeof createI18n>;
  budget: FloodBudget;
  worker: DeliveryWorker;
  /** The bulletins ("Bản tin sáng/tối") at each chat's slots. */
  bulletins: BulletinScheduler;
  /** New stored items → delivery rows (the planner). */
  sink: (stored: StoredItem[]) => Promise<void>;
  /** Edits the posts of stories corrected within EDIT_WINDOW_HOURS. */
  correct: (items: FeedItem[]) => Promise<number>;
  /** Loads the 429 pauses other instances were told of into this instance's budget. */
  restorePauses(): Promise<void>;
  /** A note about a feed's health to every bot admin, in their language (a private message). */
  notifyAdmins(note: HealthNote): Promise<void>;
}

/** The bot, its flood budget and the delivery worker, wired to the store (createApp's Telegram half). */
export function createTelegramParts(deps: {
  config: Config & { BOT_TOKEN: string };
  log: Logger;
  repos: Repos;
  fetcher: Fetcher;
  offsetMin: number;
  instanceId: string;
  metrics: Metrics;
  /** Each feed's last read time in seconds (the poller's), for /stats. */
  readTimes: ReadonlyMap<string, number>;
  /** The bulletins' clock (tests move it to a slot). */
  now?: (() => number) | undefined;
}): TelegramParts {
  const { config, log, repos, fetcher, offsetMin } = deps;
  /** When this process was answered 429 (the last hour's, for /stats). */
  const floods: number[] = [];
  const i18n = createI18n(config.DEFAULT_LANGUAGE, repos.settings);
  const operator = createOperatorParts({ config, repos, i18n, log });
  // One flood budget for every call of the token: replies (the bot's Api) go first, posts
  // (the worker's Api) fill the rest. Its 429 pauses are kept in the database for whichever
  // instance sends next.
  const budget = createFloodBudget({
    rate: config.SEND_RATE,
    replyMaxWaitMs: config.REPLY_MAX_WAIT_MS,
    log,
    onPause: (chat, until) => {
      floods.push(Date.now());
      void repos.pauses
        .pause(chat === undefined ? GLOBAL_PAUSE : String(chat), until)
        .catch((err) => log.warn({ err }, "could not keep a 429 pause in the store"));
    },
  });
  let worker: DeliveryWorker | undefined;
  const botDeps: BotDeps = {
    feeds: repos.feeds,
    feedStates: repos.feedStates,
    items: repos.items,
    subscriptions: repos.subscriptions,
    settings: repos.settings,
    filters: repos.filters,
    search: repos.search,
    adminIds: new Set(config.ADMIN_IDS),
    timeZone: config.TIMEZONE,
    defaultLanguage: config.DEFAULT_LANGUAGE,
    tryFeed: async (name, url) => {
      try {
        const res = await readFeed(fetcher, name, { url, kind: "http", trusted: false }, {}, { offsetMin });
        return res.status === "ok" ? res.total : 0;
      } catch (error) {
        const status = (error as { extra?: { httpStatus?: number } })?.extra?.httpStatus;
        throw new FeedUnreadable(readErrorReason(error), (error as Error)?.message ?? String(error), status);
      }
    },
    deliveryStats: () =>
      operator.stats({
        floods,
        readTimes: deps.readTimes,
        flood429: budget.stats().flood429,
        worker: worker?.stats(),
      }),
    settingsChanged: (chatId) => worker?.invalidate(chatId),
    async resumeFeed(name) {
      if (!(await repos.feedHealth.resume(name, Date.now()))) return false;
      // Read at the next cycle, whatever its backoff said.
      const state = await repos.feedStates.get(name);
      if (state) await repos.feedStates.save({ ...state, skipUntilCycle: 0, notBefore: undefined });
      return true;
    },
    opml: {
      imports: repos.opmlImports,
      probe: createProbe(fetcher, { offsetMin }),
      reservedNames: config.FEEDS.map((f) => f.name),
    },
  };
  const bot = createBot({
    token: config.BOT_TOKEN,
    apiRoot: config.TELEGRAM_API_ROOT,
    deps: botDeps,
    i18n,
    log,
    // Replies and getUpdates are bounded too (the long poll ends 5 s before this).
    timeoutSeconds: config.TELEGRAM_TIMEOUT_S,
    // Telegram re-delivers an update whose answer it did not see: handled once, whichever
    // instance sees it.
    claimUpdate: (id) => repos.updates.claim(id),
  });
  // Innermost (installed first): every HTTP request is counted, each 429 and retry included.
  bot.api.config.use(deps.metrics.telegramTransformer());
  bot.api.config.use(budget.transformer("reply"));
  bot.api.config.use(logUpdateFetchErrors(log));
  // Posts go through an Api of their own: a bounded timeout, the post lane of the budget,
  // and nothing else retrying behind the worker's back.
  const postApi = new Api(config.BOT_TOKEN, {
    apiRoot: config.TELEGRAM_API_ROOT,
    timeoutSeconds: config.TELEGRAM_TIMEOUT_S,
  });
  postApi.config.use(deps.metrics.telegramTransformer());
  postApi.config.use(budget.transformer("post"));
  const w = createDeliveryWorker({
    api: postApi,
    budget,
    deliveries: repos.deliveries,
    items: repos.items,
    subscriptions: repos.subscriptions,
    settings: repos.settings,
    log,
    digestHeader: (language, count) => i18n.t(language, "digest-title", { count }),
    timeZone: config.TIMEZONE,
    defaultLanguage: config.DEFAULT_LANGUAGE,
    paidBroadcast: config.PAID_BROADCAST,
    digestThreshold: config.DIGEST_THRESHOLD,
    owner: deps.instanceId,
    claimTtlMs: config.DELIVERY_CLAIM_S * 1000,
    retryMaxMs: config.RETRY_MAX_HOURS * 3_600_000,
    onSent: (items) => {
      deps.metrics.delivered("sent", items.length);
      const at = Date.now();
      for (const item of items) {
        const published = publishedMs(item);
        if (published) deps.metrics.deliveryLag((at - published) / 1000);
      }
    },
    onOutcome: (result, count) => deps.metrics.delivered(result, count),
  });
  worker = w;
  const corrector = createCorrector({
    api: postApi,
    corrections: repos.corrections,
    settings: repos.settings,
    log,
    timeZone: config.TIMEZONE,
    defaultLanguage: config.DEFAULT_LANGUAGE,
    windowMs: config.EDIT_WINDOW_HOURS * 3_600_000,
    forget: (rowId) => w.forgetItem(rowId),
  });
  const bulletins = createBulletinScheduler({
    api: postApi,
    bulletins: repos.bulletins,
    items: repos.items,
    chatReadyAt: (chatId) => budget.chatReadyAt(chatId),
    subscriptions: repos.subscriptions,
    settings: repos.settings,
    log,
    header: (language, part, date) => i18n.t(language, `bulletin-header-${part}`, { date }),
    timeZone: config.TIMEZONE,
    defaultLanguage: config.DEFAULT_LANGUAGE,
    paidBroadcast: config.PAID_BROADCAST,
    owner: deps.instanceId,
    claimTtlMs: config.DELIVERY_CLAIM_S * 1000,
    maxStories: config.BULLETIN_MAX,
    ...(deps.now ? { now: deps.now } : {}),
  });
  return {
    notifyAdmins: (note) => operator.notifyAdmins(note, postApi),
    bulletins,
    correct: (items) => corrector.apply(items),
    bot,
    i18n,
    budget,
    worker: w,
    // New items × matching subscriptions become delivery rows in the database (one
    // INSERT … SELECT per batch, unique per chat and story) before the items are marked seen.
    sink: async (stored) => {
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
    },
    async restorePauses() {
      for (const p of await repos.pauses.active()) {
        const chat = p.chat === GLOBAL_PAUSE ? undefined : /^-?\d+$/.test(p.chat) ? Number(p.chat) : p.chat;
        budget.restorePause(chat, p.until);
      }
    },
  };
}

/**
 * What every instance does with Telegram at start, leader or not: getMe (retried by grammY
 * until Telegram answers; the signal aborts it), and with WEBHOOK_URL the webhook handler and
 * its registration (idempotent). Undefined when aborted.
 */
export async function connectTelegram(deps: {
  tg: TelegramParts;
  config: Config;
  inbox: InboxRepo;
  log: Logger;
  signal: AbortSignal;
  onUpdate: () => void;
}): Promise<{ webhook?: RouteHandler | undefined } | undefined> {
  const { tg, config, log } = deps;
  const bot = tg.bot;
  log.info({ apiRoot: config.TELEGRAM_API_ROOT }, "connecting to the Bot API");
  try {
    await bot.init(deps.signal as Parameters<typeof bot.init>[0]);
  } catch (error) {
    if (deps.signal.aborted) return undefined;
    if (error instanceof GrammyError && error.error_code === 401) {
      throw new Error("Telegram refused BOT_TOKEN (401 Unauthorized): check the token from @BotFather");
    }
    throw error;
  }
  if (!config.WEBHOOK_URL || !config.WEBHOOK_SECRET || !config.BOT_TOKEN) return {};
  const webhook = createWebhookIngest({
    token: config.BOT_TOKEN,
    apiRoot: config.TELEGRAM_API_ROOT,
    botInfo: bot.botInfo,
    secret: config.WEBHOOK_SECRET,
    inbox: deps.inbox,
    log,
    onUpdate: deps.onUpdate,
  });
  await registerWebhook(bot.api, config.WEBHOOK_URL, config.WEBHOOK_SECRET, log);
  return { webhook };
}
