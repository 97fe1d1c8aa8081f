import { GrammyError, HttpError, type Transformer } from "grammy";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** How one feed read ended, as counted: a fetch that got the feed, a 304, or a failure. */
export type FetchOutcome = "ok" | "not_modified" | "error";
/** How one delivery ended. */
export type DeliveryResult = "sent" | "retried" | "dead" | "dropped";

/**
 * The Prometheus metrics of one process (GET /metrics on HTTP_PORT). Labels never hold a chat
 * id, a feed URL or a name people chose: only fixed sets (outcome, result, method, code,
 * state), so the series stay few whatever the bot serves.
 */
export interface Metrics {
  registry: Registry;
  feedFetch(outcome: FetchOutcome, seconds: number): void;
  newItems(count: number): void;
  /** A WebSub delivery: read (ok), ignored for its signature (bad_signature), or for an unknown callback. */
  websubPush(result: "ok" | "ignored" | "unknown"): void;
  pollSucceeded(at: number): void;
  delivered(result: DeliveryResult, count: number): void;
  /** Published → sent, for each story of a send Telegram accepted. */
  deliveryLag(seconds: number): void;
  /** A grammY API transformer counting every Bot API call by method and answer code. */
  telegramTransformer(): Transformer;
  /** Reads the queue's depth when scraped. */
  setQueueDepth(read: () => Promise<Record<string, number>>): void;
}

/** Bot API methods counted by name; any other is "other" (a bounded label set). */
const METHODS = new Set([
  "sendMessage",
  "sendPhoto",
  "editMessageText",
  "editMessageCaption",
  "deleteMessage",
  "answerCallbackQuery",
  "getUpdates",
  "getMe",
  "getChat",
  "getChatMember",
  "setMyCommands",
  "setWebhook",
  "deleteWebhook",
  "getWebhookInfo",
  "sendDocument",
  "getFile",
  "editMessageReplyMarkup",
]);

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const fetches = new Counter({
    name: "bantin_feed_fetches_total",
    help: "Feed reads by outcome (ok, not_modified, error).",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const pushes = new Counter({
    name: "bantin_websub_pushes_total",
    help: "WebSub deliveries by result (ok, ignored: bad signature or inactive, unknown: no such callback).",
    labelNames: ["result"],
    registers: [registry],
  });
  const fetchDuration = new Histogram({
    name: "bantin_feed_fetch_duration_seconds",
    help: "Time to fetch and parse one feed.",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40],
    registers: [registry],
  });
  const items = new Counter({
    name: "bantin_items_new_total",
    help: "New stories found in the feeds.",
    registers: [registry],
  });
  const deliveries = new Counter({
    name: "bantin_deliveries_total",
    help: "Deliveries by result (sent, retried, dead, dropped).",
    labelNames: ["result"],
    registers: [registry],
  });
  const lag = new Histogram({
    name: "bantin_delivery_lag_seconds",
    help: "From a story's publication (its feed's date) to its post being accepted by Telegram.",
    buckets: [5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21_600],
    registers: [registry],
  });
  const requests = new Counter({
    name: "bantin_telegram_requests_total",
    help: "Bot API calls by method and answer code (200, 400, 403, 429, …; 0: no answer).",
    labelNames: ["method", "code"],
    registers: [registry],
  });
  const floods = new Counter({
    name: "bantin_telegram_429_total",
    help: "Bot API calls answered with 429 Too Many Requests.",
    registers: [registry],
  });
  const lastPoll = new Gauge({
    name: "bantin_last_poll_success_timestamp_seconds",
    help: "When the last poll cycle finished (Unix time).",
    registers: [registry],
  });
  let readDepth: (() => Promise<Record<string, number>>) | undefined;
  new Gauge({
    name: "bantin_queue_depth",
    help: "Deliveries in the queue by state (pending, dead).",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      if (!readDepth) return;
      try {
        for (const [state, n] of Object.entries(await readDepth())) this.set({ state }, n);
      } catch {
        // The store is away: the last values stay (readiness reports the store).
      }
    },
  });
  return {
    registry,
    websubPush(result) {
      pushes.inc({ result });
    },
    feedFetch(outcome, seconds) {
      fetches.inc({ outcome });
      fetchDuration.observe(seconds);
    },
    newItems: (count) => void (count > 0 && items.inc(count)),
    pollSucceeded: (at) => lastPoll.set(at / 1000),
    delivered: (result, count) => void (count > 0 && deliveries.inc({ result }, count)),
    deliveryLag: (seconds) => lag.observe(Math.max(0, seconds)),
    telegramTransformer() {
      return async (prev, method, payload, signal) => {
        const name = METHODS.has(method) ? method : "other";
        try {
          const res = await prev(method, payload, signal);
          const code = res.ok ? 200 : res.error_code;
          requests.inc({ method: name, code: String(code) });
          if (code === 429) floods.inc();
          return res;
        } catch (error) {
          const code = error instanceof GrammyError ? error.error_code : error instanceof HttpError ? 0 : 0;
          requests.inc({ method: name, code: String(code) });
          if (code === 429) floods.inc();
          throw error;
        }
      };
    },
    setQueueDepth(read) {
      readDepth = read;
    },
  };
}
