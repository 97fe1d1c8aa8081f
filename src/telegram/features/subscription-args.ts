import { Keyboard } from "grammy";
import type { ChatAdministratorRights } from "grammy/types";
import type { Subscription } from "../../domain/types.js";
import { channelFromArgument } from "../admin.js";
import type { BotContext, BotDeps } from "../context.js";
import { echo, echoHtml } from "../html.js";

/** The request id of the "choose a channel" button (KeyboardButtonRequestChat). */
export const CHANNEL_REQUEST_ID = 1;
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

/** The reply keyboard whose button lets the person pick one of their channels. */
export function channelPicker(ctx: BotContext): Keyboard {
  return new Keyboard()
    .requestChat(ctx.t("sub-choose-channel-button"), CHANNEL_REQUEST_ID, {
      chat_is_channel: true,
      user_administrator_rights: channelRights,
      bot_administrator_rights: channelRights,
      bot_is_member: true,
    })
    .oneTime()
    .resized();
}

/** Reads the arguments of /subscribe and /unsubscribe: feed names as typed, and a channel. */
export function subscriptionArgs(deps: Pick<BotDeps, "feeds">) {
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
  const resolveChannel = channelFromArgument;

  /** Parses and resolves the arguments; replies (plain text) and returns undefined on an unknown feed. */
  async function parse(ctx: BotContext & { match: string }) {
    const { feeds: typed, channel } = parseSubscribeArgs(ctx.match);
    const { feeds, unknown } = await resolveFeeds(typed);
    if (unknown === undefined) return { feeds, channel };
    await ctx.reply(ctx.t("sub-unknown-feed", { feed: echo(asTyped(ctx.match, unknown)) }));
    return undefined;
  }

  return { parse, resolveChannel };
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
