import { Composer } from "grammy";
import { searchWords } from "../../store/search.js";
import type { BotContext, BotDeps } from "../context.js";
import { renderLinkList } from "../digest.js";
import { echo } from "../html.js";
import { limitCommand } from "./limits.js";

export const SEARCH_RESULTS = 8;

/**
 * /search <words>: stored stories holding every word (without diacritics, đ as d, whole
 * words), titles holding them first, newest first among those, as one compact message of
 * linked titles like /latest, for anyone, in the same forum topic, rate-limited per user.
 */
export function searchFeature(deps: Pick<BotDeps, "feeds" | "search" | "timeZone">): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const limited = limitCommand(composer, "search");
  limited.command("search", async (ctx) => {
    const query = ctx.match.trim();
    if (searchWords(query).length === 0) return void (await ctx.reply(ctx.t("search-usage")));
    // Only the feeds in the registry: a removed feed's stored items are not offered.
    const names = (await deps.feeds.all()).map((f) => f.name);
    const items = await deps.search.search(query, names, SEARCH_RESULTS);
    if (items.length === 0) return void (await ctx.reply(ctx.t("search-none", { query: echo(query, 80) })));
    // Plain text: renderLinkList escapes the header itself.
    const header = ctx.t("search-title", { count: items.length, query: echo(query, 80) });
    const list = renderLinkList(header, items, deps.timeZone, true);
    await ctx.reply(list.text, { parse_mode: "HTML", link_preview_options: { is_disabled: true } });
  });
  return composer;
}
