import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";
import { createScrubber, isError } from "./redact.js";

export type { Logger };

export interface LoggerSecrets {
  /**
   * Exact secret values (the bot token, the store password, a webhook secret) replaced by
   * `[redacted]` wherever they appear in a logged string. Empty and very short values
   * (under 4 characters) are ignored: redacting them would shred every line.
   */
  secrets?: ReadonlyArray<string | null | undefined>;
}

/**
 * The root logger, writing JSON lines with `level` as a label. Components take
 * `log.child({ component })`.
 *
 * Nothing secret reaches a line, at any depth of a logged object (bounded, cycle-safe):
 * Telegram bot tokens (also inside `…/bot<token>/…` URLs), the password of any
 * `scheme://user:password@host` URL, `password=…`-style pairs, the exact `secrets`
 * given here, and the values of keys named like password, secret, token, apiKey,
 * authorization, cookie, BOT_TOKEN, WEBHOOK_SECRET… This covers the message and printf
 * arguments, merge objects, child bindings, and Error objects anywhere (message, stack,
 * causes, AggregateError.errors, own properties), which keep pino's usual err shape
 * `{ type, message, stack, aggregateErrors?, …own properties }`.
 */
export function createLogger(
  level: string,
  destination: NodeJS.WritableStream = process.stderr,
  options: LoggerSecrets = {},
): Logger {
  const scrubber = createScrubber(options.secrets ?? []);
  const pinoOptions: LoggerOptions = {
    level,
    formatters: {
      level: (label) => ({ level: label }),
      // Child bindings (and the base pid/hostname): once per child logger.
      bindings: (bindings) => scrubber.object(bindings),
      // The merge object, after pino wrapped a lone Error into { err }.
      log: (object) => scrubber.object(object),
    },
    // formatters.log has already turned every Error into pino's err shape; the standard
    // serializer would see a plain object and relabel it `type: "Object"`.
    serializers: { err: (value: unknown) => (isError(value) ? scrubber.value(value) : value) },
    hooks: {
      // The message and printf arguments (formatters.log never sees them).
      logMethod(args, method) {
        method.apply(this, scrubber.args(args as unknown[]) as Parameters<typeof method>);
      },
      // Last line of defence, for text assembled after the hooks (printf pieces, msgPrefix).
      streamWrite: (line) => scrubber.line(line),
    },
  };
  return pino(pinoOptions, destination as DestinationStream);
}

export { redactText, secretsFromUrl } from "./redact.js";

/**
 * Where log lines go: JSON lines on stderr, or, on a terminal (`auto`) or when asked
 * (`pretty`), readable colour lines through pino-pretty (a development dependency: without it
 * the lines stay JSON). Secrets are scrubbed before either (the logger's stream hook).
 */
export async function logDestination(
  format: "auto" | "json" | "pretty",
  stderr: NodeJS.WriteStream = process.stderr,
): Promise<{ stream: NodeJS.WritableStream; pretty: boolean }> {
  if (format === "json" || (format === "auto" && !stderr.isTTY)) return { stream: stderr, pretty: false };
  try {
    const { default: pretty } = await import("pino-pretty");
    return {
      stream: pretty({
        colorize: stderr.isTTY === true,
        destination: stderr,
        sync: true,
        translateTime: "SYS:HH:MM:ss",
      }),
      pretty: true,
    };
  } catch {
    return { stream: stderr, pretty: false };
  }
}
