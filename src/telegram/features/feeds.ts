import { Composer } from "grammy";
import type { BotContext, BotDeps } from "../context.js";
import { chunkLines, escapeHtml } from "../html.js";
import { formatDateTime } from "../render.js";

/** /feeds: each source with its status (last success, last error, items known). */
export function feedsFeature(
  deps: Pick<BotDeps, "feeds" | "feedStates" | "subscriptions" | "timeZone">,
): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command("feeds", async (ctx) => {
    const feeds = await deps.feeds.all();
    if (feeds.length === 0) return void (await ctx.reply(ctx.t("feeds-empty")));
    const states = await deps.feedStates.getMany(feeds.map((f) => f.name));
    const when = (iso?: string) => formatDateTime(iso, deps.timeZone) ?? "—";
    const lines = [ctx.t("feeds-title")];
    feeds.forEach((feed, i) => {
      const st = states[i];
      lines.push(
        ctx.t("feeds-line", { name: escapeHtml(feed.name), title: escapeHtml(st?.title ?? feed.url) }),
      );
      let status: string;
      if (st?.lastError && (!st.lastSuccessAt || (st.lastErrorAt ?? "") > st.lastSuccessAt)) {
        status = ctx.t("feeds-status-error", {
          error: escapeHtml(st.lastError.slice(0, 200)),
          next: when(st.nextAttemptAt),
        });
      } else if (st?.lastSuccessAt) {
        status = ctx.t("feeds-status-ok", { when: when(st.lastSuccessAt), items: st.itemsKnown });
      } else status = ctx.t("feeds-status-never");
      lines.push(`   ${status}`);
    });
    const subs = await deps.subscriptions.forChat(ctx.chat.id);
    if (subs.length) {
      const names = subs.flatMap((s) => (s.feeds === "all" ? [ctx.t("sub-all")] : s.feeds));
      lines.push("", ctx.t("feeds-subscribed", { feeds: escapeHtml([...new Set(names)].join(", ")) }));
    } else if (ctx.chat.type !== "channel") lines.push("", ctx.t("feeds-not-subscribed"));
    for (const chunk of chunkLines(lines)) {
      await ctx.reply(chunk, { parse_mode: "HTML", link_preview_options: { is_disabled: true } });
    }
  });
  return composer;
}
