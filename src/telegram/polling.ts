import { type RunnerHandle, run } from "@grammyjs/runner";
import { type Bot, GrammyError } from "grammy";
import type { Logger } from "../log.js";
import type { BotContext } from "./context.js";

export const ALLOWED_UPDATES = [
  "message",
  "edited_message",
  "callback_query",
  "my_chat_member",
  "channel_post",
] as const;

export interface PollingOptions {
  bot: Bot<BotContext>;
  log: Logger;
  /** The client abandons a call after this; a long poll must end before it. */
  timeoutSeconds: number;
  /** Telegram refused the token: the process must end. */
  onFatal: (code: number) => void;
}

/**
 * Long polling with the grammY runner that never crashes the process: a 409 (another
 * consumer of this token) steps back 30 s and tries again, any other failure restarts after
 * 5 s, and a 401 (the token was revoked) ends the process with a clear message.
 */
export function startLongPolling(opts: PollingOptions) {
  const longPollS = Math.max(1, Math.min(30, opts.timeoutSeconds - 5));
  let runner: RunnerHandle | undefined;
  let stopping = false;
  let retry: NodeJS.Timeout | undefined;

  function start(): void {
    if (stopping) return;
    const r = run(opts.bot, {
      runner: { silent: true, fetch: { allowed_updates: [...ALLOWED_UPDATES], timeout: longPollS } },
    });
    runner = r;
    void r.task()?.catch((error: unknown) => {
      if (stopping) return;
      if (error instanceof GrammyError && error.error_code === 401) {
        opts.log.fatal("Telegram refused BOT_TOKEN (401 Unauthorized): check the token from @BotFather");
        opts.onFatal(1);
        return;
      }
      const conflict = error instanceof GrammyError && error.error_code === 409;
      const waitMs = conflict ? 30_000 : 5000;
      opts.log.warn(
        { err: error, retryInMs: waitMs },
        conflict
          ? "another process is taking this bot's updates (409); stepping back"
          : "long polling stopped; restarting",
      );
      retry = setTimeout(start, waitMs);
      retry.unref();
    });
  }
  start();
  return {
    async stop(): Promise<void> {
      stopping = true;
      if (retry) clearTimeout(retry);
      if (runner?.isRunning()) await runner.stop();
    },
  };
}
