import { Composer, InlineKeyboard } from "grammy";
import type { Logger } from "../../log.js";
import type { TargetInfo } from "../../store/subscriptions.js";
import { canManageChat, checkChannel } from "../admin.js";
import type { BotContext, BotDeps } from "../context.js";
import { echo, echoHtml } from "../html.js";
import { editIgnoringUnchanged } from "./settings.js";
import {
  CHANNEL_REQUEST_ID,
  channelPicker,
  describeSubscription,
  parseSubscribeArgs,
  subscriptionArgs,
} from "./subscription-args.js";

export { describeSubscription, parseSubscribeArgs };

/**
 * /subscribe [feed…|all] [@channel]. In groups only admins may subscribe; anyone in a private
 * chat, where /subscribe alone asks whether this chat or a channel is meant (buttons) rather
 * than subscribing the private chat as a side effect. Channels are managed from a private chat
 * with `@channel` or the "choose a channel" button, accepted only when both the user and the
 * bot are the channel's admins. A subscription made inside a forum topic posts into that topic.
 * Every change is one call to the repository, which applies it atomically.
 */
export function subscribeFeature(
  deps: Pick<BotDeps, "feeds" | "subscriptions">,
  log: Logger,
): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const { parse, resolveChannel } = subscriptionArgs(deps);

  composer.command("subscribe", async (ctx) => {
    if (ctx.chat.type === "private" && ctx.match.trim() === "") {
      const where = new InlineKeyboard()
        .text(ctx.t("sub-where-here"), "sp:here")
        .row()
        .text(ctx.t("sub-where-channel"), "sp:channel");
      return void (await ctx.reply(ctx.t("sub-where"), { reply_markup: where }));
    }
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
    await ctx.reply(ctx.t("sub-done", { feeds: describeSubscription(ctx, sub) }), { parse_mode: "HTML" });
  });

  // The answer to "this chat or a channel?" of a private /subscribe.
  composer.callbackQuery("sp:here", async (ctx) => {
    if (ctx.chat?.type !== "private") return void (await ctx.answerCallbackQuery());
    const sub = await deps.subscriptions.subscribe(
      { chatId: ctx.chat.id, chatType: "private", title: ctx.from.first_name, createdBy: ctx.from.id },
      "all",
    );
    log.info({ chat: ctx.chat.id, by: ctx.from.id }, "chat subscribed via button");
    await ctx.answerCallbackQuery();
    await editIgnoringUnchanged(() =>
      ctx.editMessageText(ctx.t("sub-done", { feeds: describeSubscription(ctx, sub) }), {
        parse_mode: "HTML",
      }),
    );
  });
  composer.callbackQuery("sp:channel", async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.reply(ctx.t("sub-choose-channel"), { reply_markup: channelPicker(ctx) });
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
