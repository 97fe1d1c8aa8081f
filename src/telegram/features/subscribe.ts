import { Composer, Keyboard } from "grammy";
import type { ChatAdministratorRights } from "grammy/types";
import { type Subscription, wants } from "../../domain/types.js";
import type { Logger } from "../../log.js";
import type { Target, TargetInfo } from "../../store/subscriptions.js";
import { canManageChat, checkChannel } from "../admin.js";
import type { BotContext, BotDeps } from "../context.js";
import { echo, echoHtml } from "../html.js";

const CHANNEL_REQUEST_ID = 1;
/** A list of feed names in a reply: long enough for any real list, short enough for one message. */
const LIST_MAX = 1000;

/** Splits `/subscribe a b all @channel` into feed names and an optional channel. */
export function parseSubscribeArgs(args: string): { feeds: string[] | "all"; channel?: string } {
  const words = args.split(/[\s,]+/).filter(Boolean);
  const channel = words.find((w) => w.startsWith("@") || /^-100\d+$/.test(w));
  const names = words.filter((w) => w !== channel).map((w) => w.toLowerCase());
  return { feeds: names.length === 0 || names.includes("all") ? "all" : [...new Set(names)], channel };
}

/** The word of `args` as it was typed (parseSubscribeArgs lowercases names). */
function asTyped(args: string, lowered: string): string {
  return args.split(/[\s,]+/).find((w) => w.toLowerCase() === lowered) ?? lowered;
}

/** Feed names for an HTML reply. */
export const feedNamesHtml = (names: string[]) => echoHtml(names.join(", "), LIST_MAX);

/** What a subscription receives, for an HTML reply: "all", "all except X, Y" or the list. */
export function describeSubscription(ctx: BotContext, sub: Pick<Subscription, "feeds" | "except">): string {
  if (sub.feeds !== "all") return feedNamesHtml(sub.feeds);
  return sub.except?.length
    ? ctx.t("sub-all-except", { feeds: feedNamesHtml(sub.except) })
    : ctx.t("sub-all");
}

/**
 * /subscribe and /unsubscribe [feed…|all]. In groups only admins may change them; anyone in a
 * private chat. Channels are managed from a private chat with `@channel` or the "choose a
 * channel" button, accepted only when both the user and the bot are the channel's admins.
 * A subscription made inside a forum topic posts into that topic. Every change is one call to
 * the repository, which applies it atomically: nothing is read, merged and written back here.
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
    await ctx.reply(ctx.t(check.reason, { channel: echo(channel) }));
    return undefined;
  }

  /** Parses and resolves the arguments; replies (plain text) and returns undefined on an unknown feed. */
  async function parse(ctx: BotContext & { match: string }) {
    const { feeds: typed, channel } = parseSubscribeArgs(ctx.match);
    const { feeds, unknown } = await resolveFeeds(typed);
    if (unknown === undefined) return { feeds, channel };
    await ctx.reply(ctx.t("sub-unknown-feed", { feed: echo(asTyped(ctx.match, unknown)) }));
    return undefined;
  }

  composer.command("subscribe", async (ctx) => {
    const args = await parse(ctx);
    if (!args) return;
    const { feeds, channel } = args;

    if (channel) {
      const check = await resolveChannel(ctx, channel);
      if (!check) return;
      const target: TargetInfo = {
        chatId: check.chatId,
        chatType: "channel",
        title: check.title,
        createdBy: ctx.from?.id,
      };
      const sub = await deps.subscriptions.subscribe(target, feeds);
      log.info({ chat: check.chatId, by: ctx.from?.id, feeds }, "channel subscribed");
      return void (await ctx.reply(
        ctx.t("sub-done-channel", { channel: echoHtml(check.title), feeds: describeSubscription(ctx, sub) }),
        { parse_mode: "HTML" },
      ));
    }

    if (!(await canManageChat(ctx))) return void (await ctx.reply(ctx.t("sub-not-admin")));
    const target: TargetInfo = {
      chatId: ctx.chat.id,
      threadId: ctx.msg?.is_topic_message ? ctx.msg.message_thread_id : undefined,
      chatType: ctx.chat.type,
      title: "title" in ctx.chat ? ctx.chat.title : ctx.from?.first_name,
      createdBy: ctx.from?.id,
    };
    const sub = await deps.subscriptions.subscribe(target, feeds);
    log.info({ chat: target.chatId, thread: target.threadId, by: ctx.from?.id, feeds }, "chat subscribed");
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
    await ctx.reply(ctx.t("sub-done", { feeds: describeSubscription(ctx, sub) }), {
      parse_mode: "HTML",
      ...extra,
    });
    if (ctx.chat.type === "private") await ctx.reply(ctx.t("sub-choose-channel"));
  });

  composer.command("unsubscribe", async (ctx) => {
    const args = await parse(ctx);
    if (!args) return;
    const { feeds, channel } = args;
    let target: Target = {
      chatId: ctx.chat.id,
      threadId: ctx.msg?.is_topic_message ? ctx.msg.message_thread_id : undefined,
    };
    let channelTitle: string | undefined;
    if (channel) {
      const check = await resolveChannel(ctx, channel);
      if (!check) return;
      target = { chatId: check.chatId };
      channelTitle = check.title;
    } else if (!(await canManageChat(ctx))) return void (await ctx.reply(ctx.t("sub-not-admin")));

    // Read only to say what changed; the change itself is the repository's, in one transaction.
    const before = await deps.subscriptions.get(target.chatId, target.threadId);
    const result = await deps.subscriptions.unsubscribe(target, feeds);
    log.info({ chat: target.chatId, thread: target.threadId, by: ctx.from?.id, feeds }, "chat unsubscribed");
    if (!result.existed) {
      return void (await ctx.reply(
        channelTitle === undefined
          ? ctx.t("unsub-nothing")
          : ctx.t("unsub-nothing-channel", { channel: echo(channelTitle) }),
      ));
    }
    if (feeds === "all") {
      return void (await ctx.reply(ctx.t("unsub-done", { feeds: ctx.t("sub-all") }), { parse_mode: "HTML" }));
    }
    const missing = before ? feeds.filter((f) => !wants(before, f)) : [];
    const stopped = feeds.filter((f) => !missing.includes(f));
    const lines: string[] = [];
    if (stopped.length) lines.push(ctx.t("unsub-done", { feeds: feedNamesHtml(stopped) }));
    if (missing.length) {
      lines.push(
        channelTitle === undefined
          ? ctx.t("unsub-not-subscribed", { feeds: feedNamesHtml(missing) })
          : ctx.t("unsub-not-subscribed-channel", {
              channel: echoHtml(channelTitle),
              feeds: feedNamesHtml(missing),
            }),
      );
    }
    lines.push(
      result.remaining
        ? ctx.t("unsub-remaining", { feeds: describeSubscription(ctx, result.remaining) })
        : ctx.t("unsub-none-left"),
    );
    await ctx.reply(lines.join("\n"), { parse_mode: "HTML" });
  });

  // The "choose a channel" button: Telegram only offers channels where the user and the bot
  // have the rights asked for, but rights can change, so check again.
  composer.on("message:chat_shared", async (ctx) => {
    const shared = ctx.msg.chat_shared;
    if (shared.request_id !== CHANNEL_REQUEST_ID) return;
    const check = await checkChannel(ctx.api, shared.chat_id, ctx.from.id, ctx.me.id);
    if (!check.ok)
      return void (await ctx.reply(
        ctx.t(check.reason, { channel: echo(shared.title ?? String(shared.chat_id)) }),
        {
          reply_markup: { remove_keyboard: true },
        },
      ));
    // A channel that already receives something keeps it as it is; a new one gets everything.
    const sub =
      (await deps.subscriptions.get(check.chatId)) ??
      (await deps.subscriptions.subscribe(
        { chatId: check.chatId, chatType: "channel", title: check.title, createdBy: ctx.from.id },
        "all",
      ));
    log.info({ chat: check.chatId, by: ctx.from.id }, "channel subscribed via button");
    await ctx.reply(
      ctx.t("sub-done-channel", { channel: echoHtml(check.title), feeds: describeSubscription(ctx, sub) }),
      { parse_mode: "HTML", reply_markup: { remove_keyboard: true } },
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
