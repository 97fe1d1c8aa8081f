import { limit } from "@grammyjs/ratelimiter";
import type { Composer } from "grammy";
import type { BotContext } from "../context.js";

/** Replies a person may ask for with one command: this many per window. */
export const COMMAND_LIMIT = 3;
export const COMMAND_WINDOW_MS = 30_000;

/**
 * A per-person limit on one command (its window starts at the first use: after at most
 * COMMAND_WINDOW_MS the command works again, as the notice says). Past the limit, the notice
 * is sent once per window, not once per message: the bot must not flood a group itself.
 */
export function limitCommand(composer: Composer<BotContext>, command: string) {
  const limited = composer.filter((ctx) => ctx.hasCommand(command));
  const told = new Map<string, number>();
  const key = (ctx: BotContext) => String(ctx.from?.id ?? ctx.chat?.id ?? "");
  limited.use(
    limit({
      timeFrame: COMMAND_WINDOW_MS,
      limit: COMMAND_LIMIT,
      keyGenerator: key,
      onLimitExceeded: async (ctx) => {
        const now = Date.now();
        for (const [k, at] of told) if (now - at > COMMAND_WINDOW_MS) told.delete(k);
        if (told.has(key(ctx))) return;
        told.set(key(ctx), now);
        await ctx.reply(
          ctx.t("rate-limited", {
            command: `/${command}`,
            limit: COMMAND_LIMIT,
            seconds: COMMAND_WINDOW_MS / 1000,
          }),
        );
      },
    }),
  );
  return limited;
}
