import { Composer } from "grammy";
import type { BotContext, BotDeps } from "../context.js";
import { echoHtml } from "../html.js";

/** /start and /help: what the bot does and how to subscribe, in a few lines. */
export function startFeature(deps: Pick<BotDeps, "feeds">): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command(["start", "help"], async (ctx) => {
    if (ctx.chat.type === "private") {
      await ctx.reply(ctx.t("start-private"), { parse_mode: "HTML" });
      return;
    }
    const example = (await deps.feeds.all())[0]?.name ?? "tin";
    await ctx.reply(ctx.t("start-group", { example: echoHtml(example) }), { parse_mode: "HTML" });
  });
  return composer;
}
