import { Composer, Keyboard } from "grammy";
import type { ChatAdministratorRights } from "grammy/types";
import type { Logger } from "../../log.js";
import type { Subscription } from "../../store/subscriptions.js";
import { canManageChat, checkChannel } from "../admin.js";
import type { BotContext, BotDeps } from "../context.js";
import { escapeHtml } from "../html.js";

const CHANNEL_REQUEST_ID = 1;

/** Splits `/subscribe a b all @channel` into feed names and an optional channel. */
export function parseSubscribeArgs(args: string): { feeds: string[] | "all"; channel?: string } {
  const words = args.split(/[\s,]+/).filter(Boolean);
  const channel = words.find((w) => w.startsWith("@") || /^-100\d+$/.test(w));
  const names = words.filter((w) => w !== channel).map((w) => w.toLowerCase());
  return { feeds: names.length === 0 || names.includes("all") ? "all" : [...new Set(names)], channel };
}

/**
 * /subscribe and /unsubscribe [feed…|all]. In groups only admins may change them; anyone in a
 * private chat. Channels are managed from a private chat with `@channel` or the "choose a
 * channel" button, accepted only when both the user and the bot are the channel's admins.
 * A subscription made inside a forum topic posts into that topic.
 */
export function subscribeFeature(
  deps: Pick<BotDeps, "feeds" | "subscriptions">,
  log: Logger,
): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  /** Maps what was typed to feed names; `unknown` is the first word that names no feed. */
  async function resolveFeeds(
    feeds: string[] | "all",
  ): Promise<{ feeds: string[] | "all"; unknown?: string }> {
    if (feeds === "all") return { feeds };
    const names: string[] = [];
    for (const typed of feeds) {
      const feed = await deps.feeds.find(typed);
      if (!feed) return { feeds, unknown: typed };
      names.push(feed.name);
    }
    return { feeds: [...new Set(names)] };
  }

  function merge(existing: Subscription | undefined, feeds: string[] | "all"): string[] | "all" {
    if (feeds === "all" || existing?.feeds === "all") return "all";
    return [...new Set([...(existing?.feeds ?? []), ...feeds])];
  }

  /** The channel named in a private chat, checked; replies with the reason and returns undefined if refused. */
  async function resolveChannel(
    ctx: BotContext,
    channel: string,
  ): Promise<{ chatId: number; title: string } | undefined> {
    if (ctx.chat?.type !== "private" || !ctx.from) {
      await ctx.reply(ctx.t("sub-channel-in-private"));
      return undefined;
    }
    const id = /^-100\d+$/.test(channel) ? Number(channel) : channel;
    const check = await checkChannel(ctx.api, id, ctx.from.id, ctx.me.id);
    if (check.ok) return check;
    await ctx.reply(ctx.t(check.reason, { channel: escapeHtml(channel) }));
    return undefined;
  }

  const label = (ctx: BotContext, feeds: string[] | "all") =>
    feeds === "all" ? ctx.t("sub-all") : escapeHtml(feeds.join(", "));

  composer.command("subscribe", async (ctx) => {
    const { feeds: typed, channel } = parseSubscribeArgs(ctx.match);
    const { feeds, unknown } = await resolveFeeds(typed);
    if (unknown) return void (await ctx.reply(ctx.t("sub-unknown-feed", { feed: escapeHtml(unknown) })));

    if (channel) {
      const check = await resolveChannel(ctx, channel);
      if (!check) return;
      const existing = await deps.subscriptions.get(check.chatId);
      const merged = merge(existing, feeds);
      await deps.subscriptions.save({
        chatId: check.chatId,
        feeds: merged,
        chatType: "channel",
        title: check.title,
        createdBy: ctx.from?.id,
        createdAt: existing?.createdAt ?? new Date().toISOString(),
      });
      log.info({ chat: check.chatId, by: ctx.from?.id, feeds: merged }, "channel subscribed");
      return void (await ctx.reply(
        ctx.t("sub-done-channel", { channel: escapeHtml(check.title), feeds: label(ctx, merged) }),
        { parse_mode: "HTML" },
      ));
    }

    if (!(await canManageChat(ctx))) return void (await ctx.reply(ctx.t("sub-not-admin")));
    const threadId = ctx.msg?.is_topic_message ? ctx.msg.message_thread_id : undefined;
    const existing = await deps.subscriptions.get(ctx.chat.id, threadId);
    const merged = merge(existing, feeds);
    await deps.subscriptions.save({
      chatId: ctx.chat.id,
      threadId,
      feeds: merged,
      chatType: ctx.chat.type,
      title: "title" in ctx.chat ? ctx.chat.title : ctx.from?.first_name,
      createdBy: ctx.from?.id,
      createdAt: existing?.createdAt ?? new Date().toISOString(),
    });
    log.info({ chat: ctx.chat.id, thread: threadId, by: ctx.from?.id, feeds: merged }, "chat subscribed");
    const extra =
      ctx.chat.type === "private"
        ? {
            reply_markup: new Keyboard()
              .requestChat(ctx.t("sub-choose-channel-button"), CHANNEL_REQUEST_ID, {
                chat_is_channel: true,
                user_administrator_rights: channelRights,
                bot_administrator_rights: channelRights,
                bot_is_member: true,
              })
              .oneTime()
              .resized(),
          }
        : {};
    await ctx.reply(ctx.t("sub-done", { feeds: label(ctx, merged) }), { parse_mode: "HTML", ...extra });
    if (ctx.chat.type === "private") await ctx.reply(ctx.t("sub-choose-channel"));
  });

  composer.command("unsubscribe", async (ctx) => {
    const { feeds: typed, channel } = parseSubscribeArgs(ctx.match);
    const { feeds, unknown } = await resolveFeeds(typed);
    if (unknown) return void (await ctx.reply(ctx.t("sub-unknown-feed", { feed: escapeHtml(unknown) })));
    let chatId = ctx.chat.id;
    let threadId = ctx.msg?.is_topic_message ? ctx.msg.message_thread_id : undefined;
    if (channel) {
      const check = await resolveChannel(ctx, channel);
      if (!check) return;
      chatId = check.chatId;
      threadId = undefined;
    } else if (!(await canManageChat(ctx))) return void (await ctx.reply(ctx.t("sub-not-admin")));
    const existing = await deps.subscriptions.get(chatId, threadId);
    if (!existing) return void (await ctx.reply(ctx.t("unsub-nothing")));
    if (feeds === "all") {
      await deps.subscriptions.remove(chatId, threadId);
      return void (await ctx.reply(ctx.t("unsub-done", { feeds: ctx.t("sub-all") }), { parse_mode: "HTML" }));
    }
    // From "all", unsubscribing some sources keeps the others.
    const current = existing.feeds === "all" ? (await deps.feeds.all()).map((f) => f.name) : existing.feeds;
    const left = current.filter((f) => !feeds.includes(f));
    if (left.length === 0) await deps.subscriptions.remove(chatId, threadId);
    else await deps.subscriptions.save({ ...existing, feeds: left });
    await ctx.reply(ctx.t("unsub-done", { feeds: label(ctx, feeds) }), { parse_mode: "HTML" });
  });

  // The "choose a channel" button: Telegram only offers channels where the user and the bot
  // have the rights asked for, but rights can change, so check again.
  composer.on("message:chat_shared", async (ctx) => {
    const shared = ctx.msg.chat_shared;
    if (shared.request_id !== CHANNEL_REQUEST_ID) return;
    const check = await checkChannel(ctx.api, shared.chat_id, ctx.from.id, ctx.me.id);
    if (!check.ok)
      return void (await ctx.reply(
        ctx.t(check.reason, { channel: escapeHtml(shared.title ?? String(shared.chat_id)) }),
        { reply_markup: { remove_keyboard: true } },
      ));
    const existing = await deps.subscriptions.get(check.chatId);
    await deps.subscriptions.save({
      chatId: check.chatId,
      feeds: existing?.feeds ?? "all",
      chatType: "channel",
      title: check.title,
      createdBy: ctx.from.id,
      createdAt: existing?.createdAt ?? new Date().toISOString(),
    });
    log.info({ chat: check.chatId, by: ctx.from.id }, "channel subscribed via button");
    await ctx.reply(
      ctx.t("sub-done-channel", {
        channel: escapeHtml(check.title),
        feeds: label(ctx, existing?.feeds ?? "all"),
      }),
      {
        parse_mode: "HTML",
        reply_markup: { remove_keyboard: true },
      },
    );
  });
  return composer;
}

const channelRights: ChatAdministratorRights = {
  is_anonymous: false,
  can_manage_chat: false,
  can_delete_messages: false,
  can_manage_video_chats: false,
  can_restrict_members: false,
  can_promote_members: false,
  can_change_info: false,
  can_invite_users: false,
  can_post_stories: false,
  can_edit_stories: false,
  can_delete_stories: false,
  can_post_messages: true,
  can_send_welcome_messages: false,
};
