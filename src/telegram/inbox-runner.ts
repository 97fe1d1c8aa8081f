import { createConcurrentSink, createRunner, createSource, type UpdateSupplier } from "@grammyjs/runner";
import type { Bot, BotError } from "grammy";
import type { Update } from "grammy/types";
import type { Logger } from "../log.js";
import type { InboxRepo } from "../store/repos.js";
import type { BotContext } from "./context.js";

export interface InboxRunnerOptions {
  bot: Bot<BotContext>;
  inbox: InboxRepo;
  log: Logger;
  /** How often an idle runner looks for updates other instances kept (ms). */
  pollMs?: number;
}

/**
 * Handles the webhook updates kept in the inbox, with the grammY runner (the same concurrent
 * sink as long polling) fed from the database instead of getUpdates. Only the leader runs it,
 * so every reply goes through that instance's one flood budget.
 */
export function startInboxRunner(opts: InboxRunnerOptions) {
  const log = opts.log.child({ component: "inbox" });
  const pollMs = opts.pollMs ?? 250;
  let wake: (() => void) | undefined;
  /** The runner's own AbortSignal type (a polyfill's). */
  type Signal = Parameters<UpdateSupplier<Update>["supply"]>[1];
  const pause = (ms: number, signal: Signal) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      wake = done;
    });
  const supplier = {
    async supply(batchSize: number, signal: Signal): Promise<Update[]> {
      while (!signal.aborted) {
        try {
          const updates = await opts.inbox.take(Math.max(1, Math.min(batchSize, 100)));
          if (updates.length) return updates;
          await pause(pollMs, signal);
        } catch (err) {
          log.warn({ err }, "could not read the inbox; trying again");
          await pause(2000, signal);
        }
      }
      return [];
    },
  };
  // Updates being handled: taken from the inbox already, so a stop waits for them.
  const handling = new Set<Promise<unknown>>();
  const sink = createConcurrentSink<Update>(
    {
      consume: (update) => {
        const p = opts.bot.handleUpdate(update);
        handling.add(p);
        void p.finally(() => handling.delete(p)).catch(() => undefined);
        return p;
      },
    },
    async (error) => {
      try {
        await opts.bot.errorHandler(error as BotError<BotContext>);
      } catch (err) {
        log.error({ err }, "an update failed");
      }
    },
  );
  const runner = createRunner(createSource(supplier), sink);
  runner.start();
  return {
    /** An update was just kept by this process: look now. */
    poke: () => wake?.(),
    /** Takes nothing more, then waits for the updates being handled (the caller bounds it). */
    async stop(): Promise<void> {
      if (runner.isRunning()) await runner.stop();
      await Promise.allSettled([...handling]);
    },
  };
}
