import { Composer } from "grammy";
import type { FeedSource, FeedState } from "../../domain/types.js";
import { channelFromArgument, isChannelWord } from "../admin.js";
import type { BotContext, BotDeps } from "../context.js";
import { chunkLines, echoHtml, escapeHtml } from "../html.js";
import { formatDateTime } from "../render.js";
import { describeSubscription } from "./subscription-args.js";

/** A feed title (the feed's own words) or an error in a /feeds line. */
const TITLE_MAX = 100;
const ERROR_MAX = 200;
/** A URL for admins: whole in practice, bounded so one line can never outgrow a message. */
const URL_MAX = 500;

/** The host a feed is read from, the only part of its address everyone may see. */
export function feedHost(feed: Pick<FeedSource, "url" | "kind">): string | undefined {
  if (feed.kind !== "http") return undefined;
  try {
    return new URL(feed.url).hostname || undefined;
  } catch {
    return undefined;
  }
}

/** The latest read failed (and nothing succeeded since). */
const failing = (st: FeedState | undefined): st is FeedState & { lastError: string } =>
  !!st?.lastError && (!st.lastSuccessAt || (st.lastErrorAt ?? "") > st.lastSuccessAt);

/**
 * /feeds: each source with its status. Everyone sees names, titles, hosts and a plain status;
 * bot admins also see the full address, the raw error and what the announcement cap held back.
 */
export function feedsFeature(
  deps: Pick<BotDeps, "feeds" | "feedStates" | "subscriptions" | "timeZone" | "adminIds">,
): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command("feeds", async (ctx) => {
    // /feeds @channel, from a private chat: what that channel receives, for its admins.
    const named = ctx.match.trim();
    let channel: { chatId: number; title: string } | undefined;
    if (named) {
      if (!isChannelWord(named)) return void (await ctx.reply(ctx.t("feeds-channel-usage")));
      channel = await channelFromArgument(ctx, named);
      if (!channel) return;
    }
    const feeds = await deps.feeds.all();
    if (feeds.length === 0) return void (await ctx.reply(ctx.t("feeds-empty")));
    // Full URLs (which may carry credentials) and raw errors: to a bot admin, in private only,
    // never to a group the admin happens to type /feeds in.
    const admin = ctx.chat.type === "private" && ctx.from !== undefined && deps.adminIds.has(ctx.from.id);
    const states = await deps.feedStates.getMany(feeds.map((f) => f.name));
    const when = (iso?: string) => formatDateTime(iso, deps.timeZone) ?? "—";
    const lines = [ctx.t("feeds-title")];
    feeds.forEach((feed, i) => {
      const st = states[i];
      const host = feedHost(feed) ?? ctx.t("feeds-local-file");
      const title = st?.title?.trim();
      lines.push(
        title
          ? ctx.t("feeds-line", {
              name: escapeHtml(feed.name),
              title: echoHtml(title, TITLE_MAX),
              host: escapeHtml(host),
            })
          : ctx.t("feeds-line-untitled", { name: escapeHtml(feed.name), host: escapeHtml(host) }),
      );
      if (admin) lines.push(`   ${ctx.t("feeds-url", { url: echoHtml(feed.url, URL_MAX) })}`);
      let status: string;
      if (failing(st)) {
        status = admin
          ? ctx.t("feeds-status-error", {
              error: echoHtml(st.lastError, ERROR_MAX),
              failures: st.failures,
              next: when(st.nextAttemptAt),
            })
          : ctx.t("feeds-status-failing", { next: when(st.nextAttemptAt) });
      } else if (st?.lastSuccessAt) {
        status = ctx.t("feeds-status-ok", { when: when(st.lastSuccessAt), items: st.itemsKnown });
      } else status = ctx.t("feeds-status-never");
      lines.push(`   ${status}`);
      // Adaptive polling: when this feed is read next, and how far apart its reads now are.
      if (st?.nextReadAt && !failing(st))
        lines.push(
          `   ${ctx.t("feeds-next", {
            next: when(new Date(st.nextReadAt).toISOString()),
            every: Math.max(1, Math.round((st.readEveryMs ?? 0) / 60_000)),
            fixed: feed.everyMs ? "yes" : "no",
          })}`,
        );
      if (admin && st && st.itemsHeld > 0) lines.push(`   ${ctx.t("feeds-held", { held: st.itemsHeld })}`);
      if (st?.itemsRejected) lines.push(`   ${ctx.t("feeds-rejected", { rejected: st.itemsRejected })}`);
    });
    const subs = await deps.subscriptions.forChat(channel?.chatId ?? ctx.chat.id);
    // Topics of one forum may differ; a few of them say enough and keep the line short.
    const described = [...new Set(subs.map((s) => describeSubscription(ctx, s)))];
    const shown = described.slice(0, 3).join("; ") + (described.length > 3 ? "; …" : "");
    if (channel)
      lines.push(
        "",
        subs.length
          ? ctx.t("feeds-channel-subscribed", { channel: echoHtml(channel.title), feeds: shown })
          : ctx.t("feeds-channel-not-subscribed", { channel: echoHtml(channel.title) }),
      );
    else if (subs.length) lines.push("", ctx.t("feeds-subscribed", { feeds: shown }));
    else if (ctx.chat.type !== "channel") lines.push("", ctx.t("feeds-not-subscribed"));
    // In a private chat: the channels this person manages through the bot, and what each gets.
    if (!channel && ctx.chat.type === "private" && ctx.from) {
      const mine = await deps.subscriptions.channelsOf(ctx.from.id);
      if (mine.length) {
        lines.push("", ctx.t("feeds-my-channels"));
        for (const s of mine)
          lines.push(
            ctx.t("feeds-my-channel", {
              channel: echoHtml(s.title ?? String(s.chatId), TITLE_MAX),
              feeds: describeSubscription(ctx, s),
            }),
          );
      }
    }
    for (const chunk of chunkLines(lines)) {
      await ctx.reply(chunk, { parse_mode: "HTML", link_preview_options: { is_disabled: true } });
    }
  });
  return composer;
}
