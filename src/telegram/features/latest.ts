import { Composer } from "grammy";
import type { BotContext, BotDeps } from "../context.js";
import { renderLinkList } from "../digest.js";
import { echo } from "../html.js";
import { limitCommand } from "./limits.js";

export const LATEST_DEFAULT = 5;
export const LATEST_MAX = 20;

/** Parses `/latest [n] [feed]` in either order. */
export function parseLatestArgs(args: string): { count: number; feed?: string; error?: "count" } {
  let count = LATEST_DEFAULT;
  const words: string[] = [];
  for (const word of args.split(/\s+/).filter(Boolean)) {
    if (/^-?\d+$/.test(word)) {
      count = Number(word);
      if (count < 1 || count > LATEST_MAX) return { count, error: "count" };
    } else words.push(word);
  }
  // A feed may be typed in several words: "/latest 5 Hà Tĩnh".
  return words.length ? { count, feed: words.join(" ") } : { count };
}

/**
 * /latest [n] [feed]: the n newest stories from the store as one compact message, for anyone,
 * answered in the same forum topic. A per-user rate limit keeps anyone from flooding a group
 * through the bot.
 */
export function latestFeature(deps: Pick<BotDeps, "feeds" | "items" | "timeZone">): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const limited = limitCommand(composer, "latest");
  limited.command("latest", async (ctx) => {
    const args = parseLatestArgs(ctx.match);
    if (args.error) return void (await ctx.reply(ctx.t("latest-bad-count", { max: LATEST_MAX })));
    const named = args.feed ? await deps.feeds.find(args.feed) : undefined;
    if (args.feed && !named) {
      return void (await ctx.reply(ctx.t("latest-unknown-feed", { feed: echo(args.feed) })));
    }
    // Only the feeds in the registry: a removed feed's stored items are not news any more.
    const names = named ? [named.name] : (await deps.feeds.all()).map((f) => f.name);
    // Newest first and one per story already (a story in two feeds is listed once).
    const items = await deps.items.recent(names, args.count);
    if (items.length === 0) return void (await ctx.reply(ctx.t("latest-empty")));
    // Plain text: renderLinkList escapes the header itself.
    const header = named
      ? ctx.t("latest-title-feed", { count: items.length, feed: named.name })
      : ctx.t("latest-title", { count: items.length });
    const list = renderLinkList(header, items, deps.timeZone, true);
    await ctx.reply(list.text, { parse_mode: "HTML", link_preview_options: { is_disabled: true } });
  });
  return composer;
}
