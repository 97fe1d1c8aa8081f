import type { Api } from "grammy";
import type { BotContext } from "./context.js";
import { echo } from "./html.js";

const ADMIN_STATUSES = new Set(["creator", "administrator"]);

/**
 * May the sender of this update manage this chat's subscriptions? Anyone in a private chat;
 * in a group only its admins, checked with getChatMember. An anonymous admin posts as the
 * group itself (sender_chat is the chat), which only admins can do.
 */
export async function canManageChat(ctx: BotContext): Promise<boolean> {
  const chat = ctx.chat;
  if (!chat) return false;
  if (chat.type === "private") return true;
  if (ctx.msg?.sender_chat?.id === chat.id) return true;
  if (chat.type === "channel") return true; // a post in the channel is by its admins
  const userId = ctx.from?.id;
  if (!userId) return false;
  const member = await ctx.api.getChatMember(chat.id, userId);
  return ADMIN_STATUSES.has(member.status);
}

/**
 * May this user manage the chat `chatId` from a button press (the press may come from any
 * chat)? Their own private chat, or a chat or channel they are an admin of.
 */
export async function canManageChatId(api: Api, chatId: number, userId: number): Promise<boolean> {
  if (chatId === userId) return true;
  try {
    const member = await api.getChatMember(chatId, userId);
    return ADMIN_STATUSES.has(member.status);
  } catch {
    return false;
  }
}

/**
 * A channel named in a command's arguments (`@name` or `-100…`), from a private chat: checked
 * like /subscribe's. Replies with the reason and returns undefined when refused.
 */
export async function channelFromArgument(
  ctx: BotContext,
  word: string,
): Promise<{ chatId: number; title: string } | undefined> {
  if (ctx.chat?.type !== "private" || !ctx.from) {
    await ctx.reply(ctx.t("sub-channel-in-private"));
    return undefined;
  }
  const check = await checkChannel(
    ctx.api,
    /^-100\d+$/.test(word) ? Number(word) : word,
    ctx.from.id,
    ctx.me.id,
  );
  if (check.ok) return check;
  await ctx.reply(ctx.t(check.reason, { channel: echo(word) }));
  return undefined;
}

/**
 * The chat a settings command is about: the channel one of its words names (from a private
 * chat, with the person an admin there), else this chat if the person may manage it. Replies
 * why not and returns undefined otherwise; `rest` is the other words.
 */
export async function managedChat(
  ctx: BotContext,
  words: string[],
): Promise<{ chatId: number; rest: string[] } | undefined> {
  const channel = words.find(isChannelWord);
  const rest = words.filter((w) => w !== channel);
  if (channel) {
    const check = await channelFromArgument(ctx, channel);
    return check ? { chatId: check.chatId, rest } : undefined;
  }
  if (!ctx.chat || !(await canManageChat(ctx))) {
    await ctx.reply(ctx.t("settings-not-admin"));
    return undefined;
  }
  return { chatId: ctx.chat.id, rest };
}

/** A word of a command that names a channel. */
export const isChannelWord = (word: string) => word.startsWith("@") || /^-100\d+$/.test(word);

export type ChannelCheck =
  | { ok: true; chatId: number; title: string }
  | {
      ok: false;
      reason:
        | "channel-not-found"
        | "channel-user-not-admin"
        | "channel-bot-not-admin"
        | "channel-not-channel";
    };

/** A channel may be subscribed from a private chat only when both the user and the bot are its admins. */
export async function checkChannel(
  api: Api,
  channel: string | number,
  userId: number,
  botId: number,
): Promise<ChannelCheck> {
  let chat: Awaited<ReturnType<Api["getChat"]>>;
  try {
    chat = await api.getChat(channel);
  } catch {
    return { ok: false, reason: "channel-not-found" };
  }
  if (chat.type !== "channel") return { ok: false, reason: "channel-not-channel" };
  try {
    const user = await api.getChatMember(chat.id, userId);
    if (!ADMIN_STATUSES.has(user.status)) return { ok: false, reason: "channel-user-not-admin" };
  } catch {
    return { ok: false, reason: "channel-user-not-admin" };
  }
  try {
    const bot = await api.getChatMember(chat.id, botId);
    const canPost =
      bot.status === "creator" || (bot.status === "administrator" && bot.can_post_messages !== false);
    if (!canPost) return { ok: false, reason: "channel-bot-not-admin" };
  } catch {
    return { ok: false, reason: "channel-bot-not-admin" };
  }
  return { ok: true, chatId: chat.id, title: chat.title };
}
