import { Composer } from "grammy";
import { parseFeedList } from "../../config.js";
import type { Logger } from "../../log.js";
import type { BotContext, BotDeps } from "../context.js";
import { escapeHtml } from "../html.js";

/** Bot admins (ADMIN_IDS) only: /addfeed <url> [name], /removefeed <feed>, /stats. */
export function adminFeature(deps: BotDeps, log: Logger): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const admins = composer.filter((ctx) => ctx.hasCommand(["addfeed", "removefeed", "stats"]));
  admins.use(async (ctx, next) => {
    if (ctx.from && deps.adminIds.has(ctx.from.id)) return next();
    await ctx.reply(ctx.t("admin-only"));
  });

  admins.command("addfeed", async (ctx) => {
    const [url, rawName] = ctx.match.split(/\s+/).filter(Boolean);
    if (!url || !/^https?:\/\//i.test(url)) return void (await ctx.reply(ctx.t("addfeed-usage")));
    if (rawName && !/^[\p{L}\p{N}_-]{1,40}$/u.test(rawName))
      return void (await ctx.reply(ctx.t("addfeed-bad-name")));
    const derived = parseFeedList(url)[0];
    const name = (rawName ?? derived?.name ?? "feed").toLowerCase();
    await ctx.reply(ctx.t("addfeed-checking", { url: escapeHtml(url) }), {
      link_preview_options: { is_disabled: true },
    });
    try {
      const items = await deps.tryFeed(name, url);
      await deps.feeds.add({ name, url, kind: "http" });
      log.info({ feed: name, url, by: ctx.from?.id }, "feed added");
      await ctx.reply(ctx.t("addfeed-ok", { name: escapeHtml(name), items }), { parse_mode: "HTML" });
    } catch (error) {
      await ctx.reply(ctx.t("addfeed-failed", { error: escapeHtml((error as Error).message) }), {
        parse_mode: "HTML",
      });
    }
  });

  admins.command("removefeed", async (ctx) => {
    const name = ctx.match.trim().toLowerCase();
    if (!name) return void (await ctx.reply(ctx.t("removefeed-usage")));
    if (!(await deps.feeds.remove(name)))
      return void (await ctx.reply(ctx.t("sub-unknown-feed", { feed: escapeHtml(name) })));
    log.info({ feed: name, by: ctx.from?.id }, "feed removed");
    await ctx.reply(ctx.t("removefeed-ok", { name: escapeHtml(name) }), { parse_mode: "HTML" });
  });

  admins.command("stats", async (ctx) => {
    const [feeds, subs] = await Promise.all([deps.feeds.all(), deps.subscriptions.list()]);
    const d = deps.deliveryStats();
    await ctx.reply(
      ctx.t("stats-text", {
        feeds: feeds.length,
        subs: subs.length,
        chats: new Set(subs.map((s) => s.chatId)).size,
        sent: d.sent,
        digests: d.digests,
        pending: d.pending,
        flood: d.flood429,
        retries: d.retries,
        dropped: d.dropped,
      }),
      { parse_mode: "HTML" },
    );
  });
  return composer;
}
