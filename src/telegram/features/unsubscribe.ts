import { Composer, InlineKeyboard } from "grammy";
import { wants } from "../../domain/types.js";
import type { Logger } from "../../log.js";
import type { Target } from "../../store/subscriptions.js";
import { canManageChat, canManageChatId } from "../admin.js";
import type { BotContext, BotDeps } from "../context.js";
import { echoHtml } from "../html.js";
import { editIgnoringUnchanged } from "./settings.js";
import { describeSubscription, feedNamesHtml, subscriptionArgs } from "./subscription-args.js";

/**
 * /unsubscribe [feed…|all] [@channel]: stops some feeds, or (after a confirmation button)
 * everything. It says what was true: a feed the chat did not receive is named as such, the
 * channel is named when one is meant. Whoever may subscribe may unsubscribe.
 */
export function unsubscribeFeature(
  deps: Pick<BotDeps, "feeds" | "subscriptions">,
  log: Logger,
): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const { parse, resolveChannel } = subscriptionArgs(deps);
  /** "this chat" or the channel's name, for an HTML reply. */
  const whereHtml = (ctx: BotContext, channelTitle?: string) =>
    channelTitle === undefined
      ? ctx.t("unsub-this-chat")
      : ctx.t("unsub-the-channel", { channel: echoHtml(channelTitle) });

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

    const before = await deps.subscriptions.get(target.chatId, target.threadId);
    if (!before)
      return void (await ctx.reply(ctx.t("unsub-nothing-where", { where: whereHtml(ctx, channelTitle) }), {
        parse_mode: "HTML",
      }));
    if (feeds === "all") {
      // Everything goes only on a second, deliberate press.
      const data = (answer: string) => `ua:${target.chatId}:${target.threadId ?? 0}:${answer}`;
      return void (await ctx.reply(
        ctx.t("unsub-confirm", {
          where: whereHtml(ctx, channelTitle),
          feeds: describeSubscription(ctx, before),
        }),
        {
          parse_mode: "HTML",
          reply_markup: new InlineKeyboard()
            .text(ctx.t("unsub-confirm-yes"), data("yes"))
            .text(ctx.t("unsub-confirm-no"), data("no")),
        },
      ));
    }
    // The change itself is the repository's, in one transaction; `before` only words the reply.
    const result = await deps.subscriptions.unsubscribe(target, feeds);
    log.info({ chat: target.chatId, thread: target.threadId, by: ctx.from?.id, feeds }, "chat unsubscribed");
    const missing = feeds.filter((f) => !wants(before, f));
    const stopped = feeds.filter((f) => !missing.includes(f));
    const lines: string[] = [];
    if (stopped.length) lines.push(ctx.t("unsub-done", { feeds: feedNamesHtml(stopped) }));
    if (missing.length)
      lines.push(
        ctx.t("unsub-not-subscribed-where", {
          where: whereHtml(ctx, channelTitle),
          feeds: feedNamesHtml(missing),
        }),
      );
    lines.push(
      result.remaining
        ? ctx.t("unsub-remaining", { feeds: describeSubscription(ctx, result.remaining) })
        : ctx.t("unsub-none-left"),
    );
    await ctx.reply(lines.join("\n"), { parse_mode: "HTML" });
  });

  composer.callbackQuery(/^ua:(-?\d{1,20}):(\d{1,12}):(yes|no)$/, async (ctx) => {
    const chatId = Number(ctx.match[1]);
    const threadId = Number(ctx.match[2]);
    if (!Number.isSafeInteger(chatId) || !(await canManageChatId(ctx.api, chatId, ctx.from.id)))
      return void (await ctx.answerCallbackQuery({ text: ctx.t("sub-not-admin"), show_alert: true }));
    await ctx.answerCallbackQuery();
    if (ctx.match[3] === "no")
      return void (await editIgnoringUnchanged(() => ctx.editMessageText(ctx.t("unsub-kept"))));
    const target: Target = { chatId, ...(threadId ? { threadId } : {}) };
    const result = await deps.subscriptions.unsubscribe(target, "all");
    log.info(
      { chat: chatId, thread: threadId || undefined, by: ctx.from.id },
      "chat unsubscribed from everything",
    );
    await editIgnoringUnchanged(() =>
      ctx.editMessageText(
        result.existed ? ctx.t("unsub-done", { feeds: ctx.t("sub-all") }) : ctx.t("unsub-already"),
        { parse_mode: "HTML" },
      ),
    );
  });
  return composer;
}
