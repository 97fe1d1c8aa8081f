import { Composer } from "grammy";
import { canManageChat } from "../admin.js";
import type { BotContext, BotDeps } from "../context.js";
import { echoHtml } from "../html.js";

/**
 * /start: what the bot does and how to subscribe, in a few lines. /help: every command the
 * person may use here, by role: everyone's, then a chat admin's (anyone's in a private chat),
 * then a bot admin's (ADMIN_IDS); a group member is told what the admins have besides.
 */
export function startFeature(deps: Pick<BotDeps, "feeds" | "adminIds">): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command("start", async (ctx) => {
    if (ctx.chat.type === "private") {
      await ctx.reply(ctx.t("start-private"), { parse_mode: "HTML" });
      return;
    }
    const example = (await deps.feeds.all())[0]?.name ?? "tin";
    await ctx.reply(ctx.t("start-group", { example: echoHtml(example) }), { parse_mode: "HTML" });
  });
  composer.command("help", async (ctx) => {
    const manager = await canManageChat(ctx).catch(() => false);
    const botAdmin = ctx.from !== undefined && deps.adminIds.has(ctx.from.id);
    const parts = [ctx.t("help-title"), ctx.t("help-member")];
    parts.push(manager ? ctx.t("help-admin") : ctx.t("help-admin-hint"));
    if (botAdmin && ctx.chat.type === "private") parts.push(ctx.t("help-bot-admin"));
    await ctx.reply(parts.join("\n\n"), { parse_mode: "HTML" });
  });
  return composer;
}
