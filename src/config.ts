import { statSync } from "node:fs";
import { validate as validateCron } from "node-cron";
import { z } from "zod";
import { bool, duration, positiveInt } from "./config-fields.js";
import { parseFeedList } from "./domain/feeds.js";
import { isTimeZone } from "./domain/time.js";
import type { FeedSource } from "./domain/types.js";
import { redactText } from "./redact.js";

export type { FeedSource };
export { parseFeedList };

/**
 * The one configuration schema. Everything the process reads from the environment is parsed
 * here, once, at start-up; a bad value stops the process with a message naming the variable.
 */

const schema = z.object({
  FEEDS: z.string().default(""),
  STORE_URL: z
    .string()
    .default("sqlite://./data/bantin.sqlite")
    .refine((v) => /^(sqlite|postgres|postgresql):\/\/\S/.test(v.trim()), {
      message:
        "must be sqlite://path (a file; sqlite://:memory: keeps nothing) or postgres://user:password@host:5432/database",
    }),
  /** Start-up gives up (exit 1) when the database does not answer within this. */
  STORE_CONNECT_TIMEOUT_S: positiveInt(10, 300),
  POLL_CRON: z
    .string()
    .default("* * * * *")
    .refine((v) => [5, 6].includes(v.trim().split(/\s+/).length) && validateCron(v), {
      message: "must be a valid cron expression with 5 or 6 fields",
    }),
  /**
   * Each feed is read between these, as often as it publishes and as it asks (RSS ttl,
   * Cache-Control, Expires, Retry-After); POLL_CRON's tick only decides which feeds are due.
   */
  POLL_MIN: duration("1m", { allowZero: true }),
  POLL_MAX: duration("30m", { allowZero: true }),
  TIMEZONE: z
    .string()
    .default("Asia/Ho_Chi_Minh")
    .refine(isTimeZone, { message: "must be an IANA time zone such as Asia/Ho_Chi_Minh" }),
  DEFAULT_LANGUAGE: z.enum(["vi", "en"]).default("vi"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** `json`: JSON lines (for log shippers); `pretty`: readable colour lines; `auto`: pretty on a terminal. */
  LOG_FORMAT: z.enum(["auto", "json", "pretty"]).default("auto"),
  BOT_TOKEN: z
    .string()
    .regex(/^\d+:[\w-]{20,}$/, { message: "does not look like a token from @BotFather (123456:ABC…)" })
    .optional()
    .or(z.literal("").transform(() => undefined)),
  TELEGRAM_API_ROOT: z.url().default("https://api.telegram.org"),
  ADMIN_IDS: z
    .string()
    .default("")
    .refine((v) => v.split(/[\s,]+/).every((s) => s === "" || /^-?\d+$/.test(s)), {
      message: "must be a comma-separated list of numeric Telegram user ids",
    })
    .transform((v) =>
      v
        .split(/[\s,]+/)
        .filter(Boolean)
        .map((s) => Number(s)),
    ),
  ALLOW_PRIVATE_FEEDS: bool.default(false),
  BASELINE_ANNOUNCE: z.coerce.number().int().min(0).max(50).default(1),
  SEEN_TTL_DAYS: positiveInt(90, 3650),
  LATEST_KEEP: positiveInt(50, 500),
  /** Items stay searchable (/search) at least this long, beyond LATEST_KEEP per feed. */
  SEARCH_KEEP_DAYS: positiveInt(30, 3650),
  FETCH_TIMEOUT_MS: positiveInt(20_000, 300_000),
  CONNECT_TIMEOUT_MS: positiveInt(10_000, 120_000),
  FETCH_MAX_BYTES: positiveInt(5 * 1024 * 1024, 100 * 1024 * 1024),
  FETCH_MAX_REDIRECTS: z.coerce.number().int().min(0).max(20).default(5),
  FETCH_CONCURRENCY: positiveInt(4, 64),
  /**
   * `never`: no article page is read, whatever a feed's `article=` says (a machine without
   * outside access, tests). `auto`: as each feed says.
   */
  ARTICLE_PAGES: z.enum(["auto", "never"]).default("auto"),
  /** A teaser item waits at most this for its article page; then the feed's text is posted. */
  ARTICLE_TIMEOUT_MS: positiveInt(8_000, 60_000),
  /**
   * Abstractive summaries from an OpenAI-compatible /chat/completions endpoint (a local
   * llama.cpp or Ollama server works); unset: extractive summaries only.
   */
  SUMMARY_API_URL: z.preprocess((v) => (v === "" ? undefined : v), z.url().optional()),
  SUMMARY_API_KEY: z.string().optional(),
  SUMMARY_MODEL: z.string().min(1).default("gpt-4o-mini"),
  SUMMARY_TIMEOUT_MS: positiveInt(15_000, 120_000),
  /** Requests per UTC day, counted in the database across instances. */
  SUMMARY_DAILY_CAP: z.coerce.number().int().min(0).max(1_000_000).default(500),
  /** The system prompt; default src/text/prompts/summary.vi.txt. */
  SUMMARY_PROMPT_FILE: z.string().optional(),
  /** Article pages read at once from one site. */
  ARTICLE_HOST_CONCURRENCY: positiveInt(2, 2),
  BACKOFF_MAX_CYCLES: positiveInt(64, 10_000),
  /** Global send rate, messages per second (Telegram's broadcast limit is about 30/s). */
  SEND_RATE: positiveInt(25, 1000),
  /** allow_paid_broadcast: up to 1000 messages/s for 0.1 Star each. */
  PAID_BROADCAST: bool.default(false),
  /** A delivery still failing this long after it was planned is dead-lettered. */
  RETRY_MAX_HOURS: positiveInt(24, 24 * 30),
  /** Any Telegram call that has not answered within this is abandoned (grammY's default is 500 s). */
  TELEGRAM_TIMEOUT_S: positiveInt(40, 120),
  /** How long a claimed delivery stays claimed; longer than TELEGRAM_TIMEOUT_S (a send in flight is never taken over). */
  DELIVERY_CLAIM_S: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.coerce.number().int().min(2).max(3600).optional(),
  ),
  /** At most this many new items of one feed are announced per read; the rest are stored and counted. */
  ANNOUNCE_MAX: positiveInt(20, 500),
  /** A command reply that would wait longer than this for Telegram's limits is dropped. */
  REPLY_MAX_WAIT_MS: positiveInt(20_000, 120_000),
  /** When a chat has more than this many posts waiting, they go out as one digest. */
  DIGEST_THRESHOLD: positiveInt(5, 100),
  /** A feed failing this long (and at least 3 reads) is reported to the bot's admins, once. */
  FEED_ALERT_AFTER: duration("1h"),
  /** A feed failing this long is paused: read once a day until it answers or /resumefeed. */
  FEED_PAUSE_AFTER: duration("7d"),
  /** Stories in one bulletin ("Bản tin sáng"/"Bản tin tối") at most; fewer when the message is full. */
  BULLETIN_MAX: positiveInt(10, 30),
  /** Posts of a story whose title or lead changes within this many hours are edited (0: never). */
  EDIT_WINDOW_HOURS: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 7)
    .default(24),
  /** Port of /livez and /readyz (/healthz); unset: no HTTP server. */
  HTTP_PORT: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.coerce.number().int().min(1).max(65535).optional(),
  ),
  /**
   * Public HTTPS URL of the webhook (Telegram posts updates there); every instance serves its
   * path on HTTP_PORT. Unset: one instance long-polls.
   */
  WEBHOOK_URL: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .string()
      .url()
      .refine((v) => /^https?:\/\//.test(v), { message: "must be an http(s) URL" })
      .optional(),
  ),
  /** Telegram sends it in X-Telegram-Bot-Api-Secret-Token; requests without it are refused. */
  WEBHOOK_SECRET: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{16,256}$/, { message: "must be 16–256 characters of A–Z, a–z, 0–9, _ and -" })
      .optional(),
  ),
  /**
   * Public base URL of the WebSub callbacks (`<base>/websub/<id>`, served on HTTP_PORT); unset:
   * WEBHOOK_URL's origin; `off`: no WebSub even with WEBHOOK_URL.
   */
  WEBSUB_URL: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .string()
      .refine((v) => v === "off" || /^https?:\/\/[^/\s]+/.test(v), {
        message: "must be an http(s) URL (the bot's public address) or off",
      })
      .optional(),
  ),
  /** The lease asked of a WebSub hub (the hub decides; renewed before it ends). */
  WEBSUB_LEASE: duration("7d"),
  /** The leader's lease: another instance takes over within this after the leader dies. */
  LEASE_TTL_S: z.coerce.number().int().min(3).max(300).default(15),
  /** How long SIGTERM waits for in-flight sends before closing the store. */
  SHUTDOWN_TIMEOUT_MS: positiveInt(10_000, 120_000),
});

export type Config = Omit<z.infer<typeof schema>, "FEEDS" | "DELIVERY_CLAIM_S"> & {
  DELIVERY_CLAIM_S: number;
  /** Where WebSub hubs call back (WEBSUB_URL or WEBHOOK_URL's origin); undefined: no WebSub. */
  websubBase: string | undefined;
  FEEDS: FeedSource[];
  /** True when FEEDS was empty and the bundled sample feed is used. */
  usingSampleFeed: boolean;
};

/**
 * Why a FEEDS entry can never be read, or undefined: an http(s) URL needs a host, anything else
 * must be a file that exists (so `javascript:alert(1)` or a typo fails at start, not every cycle).
 */
function unusableFeed(feed: FeedSource): string | undefined {
  if (feed.kind === "http") {
    try {
      if (new URL(feed.url).hostname) return undefined;
    } catch {
      // Reported below.
    }
    return `"${feed.url}" is not a valid http(s) URL`;
  }
  try {
    if (statSync(feed.url).isFile()) return undefined;
    return `"${feed.url}" is not a file`;
  } catch {
    return `"${feed.url}" is neither an http(s) URL nor an existing file`;
  }
}

/** The feed fetcher's settings, for every part that reads feeds (the app, the OPML command). */
export function fetcherOptions(config: Config) {
  return {
    timeoutMs: config.FETCH_TIMEOUT_MS,
    connectTimeoutMs: config.CONNECT_TIMEOUT_MS,
    maxBytes: config.FETCH_MAX_BYTES,
    maxRedirects: config.FETCH_MAX_REDIRECTS,
    allowPrivate: config.ALLOW_PRIVATE_FEEDS,
  };
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses the environment; throws a ConfigError whose message lists every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv, sampleFeedPath: string): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => {
      const name = i.path.join(".") || "(environment)";
      // Never echo a secret: not the token, not a password inside a URL.
      const raw = redactText(String(env[name] ?? ""));
      const value =
        name === "BOT_TOKEN" || /SECRET|PASSWORD/.test(name) ? "" : ` (got ${JSON.stringify(raw)})`;
      return `  ${name}: ${i.message}${value}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  let feeds: FeedSource[];
  try {
    feeds = parseFeedList(result.data.FEEDS);
  } catch (error) {
    throw new ConfigError(`Invalid configuration:\n  FEEDS: ${redactText((error as Error).message)}`);
  }
  const unusable = feeds.map(unusableFeed).filter((m): m is string => m !== undefined);
  if (unusable.length)
    throw new ConfigError(
      `Invalid configuration:\n${unusable.map((m) => `  FEEDS: ${redactText(m)}`).join("\n")}`,
    );
  const usingSampleFeed = feeds.length === 0;
  const data = { ...result.data };
  if (data.SEND_RATE > 30 && !data.PAID_BROADCAST) {
    throw new ConfigError(
      `Invalid configuration:\n  SEND_RATE: above 30 messages/s Telegram answers 429 unless PAID_BROADCAST=true (got ${data.SEND_RATE})`,
    );
  }
  const claim = data.DELIVERY_CLAIM_S ?? data.TELEGRAM_TIMEOUT_S + 20;
  if (claim <= data.TELEGRAM_TIMEOUT_S) {
    throw new ConfigError(
      `Invalid configuration:\n  DELIVERY_CLAIM_S: must be longer than TELEGRAM_TIMEOUT_S (${data.TELEGRAM_TIMEOUT_S}), so a send in flight is never taken over (got ${claim})`,
    );
  }
  if (data.POLL_MIN > data.POLL_MAX) {
    throw new ConfigError(
      `Invalid configuration:\n  POLL_MIN: must not be longer than POLL_MAX (${data.POLL_MIN / 60_000} min > ${data.POLL_MAX / 60_000} min)`,
    );
  }
  if (data.WEBHOOK_URL) {
    const missing = [
      !data.WEBHOOK_SECRET &&
        "WEBHOOK_SECRET: required with WEBHOOK_URL (Telegram sends it back on every update)",
      !data.HTTP_PORT && "HTTP_PORT: required with WEBHOOK_URL (the port the webhook is served on)",
      !data.BOT_TOKEN && "BOT_TOKEN: required with WEBHOOK_URL",
    ].filter(Boolean);
    if (missing.length) throw new ConfigError(`Invalid configuration:\n  ${missing.join("\n  ")}`);
  }
  const websubBase =
    data.WEBSUB_URL === "off"
      ? undefined
      : (data.WEBSUB_URL ?? (data.WEBHOOK_URL ? new URL(data.WEBHOOK_URL).origin : undefined));
  if (websubBase && !data.HTTP_PORT)
    throw new ConfigError(
      "Invalid configuration:\n  HTTP_PORT: required with WEBSUB_URL (the port the WebSub callbacks are served on)",
    );
  if (usingSampleFeed) {
    feeds = [{ name: "baohatinh", url: sampleFeedPath, kind: "file" }];
    // The demo should show a few posts on its first run, not just the newest one.
    if (env.BASELINE_ANNOUNCE === undefined) data.BASELINE_ANNOUNCE = 3;
  }
  return { ...data, DELIVERY_CLAIM_S: claim, FEEDS: feeds, usingSampleFeed, websubBase };
}
