import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger };

/**
 * The root logger. Components take `log.child({ component })`. The bot token is redacted
 * wherever it could appear: in config dumps and in Telegram URLs inside error messages.
 */
export function createLogger(level: string, destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino(
    {
      level,
      redact: { paths: ["BOT_TOKEN", "token", "config.BOT_TOKEN", "*.token"], censor: "[redacted]" },
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        // Error messages from HTTP clients can embed https://api.telegram.org/bot<token>/…
        logMethod(args, method) {
          method.apply(this, args.map(scrubToken) as Parameters<typeof method>);
        },
      },
    },
    destination as DestinationStream,
  );
}

const TOKEN_RE = /\d{5,}:[\w-]{30,}/g;

function scrubToken(value: unknown): unknown {
  if (typeof value === "string") return value.replace(TOKEN_RE, "[redacted]");
  if (value && typeof value === "object" && !(value instanceof Error) && "err" in value) {
    return { ...(value as object), err: scrubToken((value as { err: unknown }).err) };
  }
  if (value instanceof Error) {
    const copy = new Error(value.message.replace(TOKEN_RE, "[redacted]"));
    copy.name = value.name;
    copy.stack = value.stack?.replace(TOKEN_RE, "[redacted]");
    return copy;
  }
  return value;
}
