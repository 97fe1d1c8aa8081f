import { Composer } from "grammy";
import type { ChatMember } from "grammy/types";
import type { Logger } from "../../log.js";
import type { BotContext, BotDeps } from "../context.js";

/** In the chat: a member, an admin, or a restricted member (who may still be allowed to post). */
const present = (m: ChatMember) =>
  m.status === "member" ||
  m.status === "administrator" ||
  m.status === "creator" ||
  (m.status === "restricted" && m.is_member);

/**
 * The bot's own membership: greet a group when added; when removed (kicked, left, channel
 * admin rights taken), drop that chat's subscriptions at once.
 */
export function membershipFeature(
  deps: Pick<BotDeps, "subscriptions" | "settings">,
  log: Logger,
): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.on("my_chat_member", async (ctx) => {
    const { chat, old_chat_member: before, new_chat_member: after } = ctx.myChatMember;
    const wasIn = present(before);
    const isIn = present(after);
    if (!isIn || (after.status === "restricted" && !after.can_send_messages)) {
      const removed = await deps.subscriptions.removeChat(chat.id);
      await deps.settings.remove(chat.id);
      log.info(
        { chat: chat.id, status: after.status, removed },
        "bot removed from chat: subscriptions dropped",
      );
      return;
    }
    if (!wasIn && (chat.type === "group" || chat.type === "supergroup")) {
      await ctx.api.sendMessage(chat.id, ctx.t("greet-group"), { parse_mode: "HTML" });
    }
  });
  // A group upgraded to a supergroup while the bot is in it: follow it (the repository moves
  // the queued deliveries too, and cancels what the new chat already has).
  composer.on("message:migrate_to_chat_id", async (ctx) => {
    const to = ctx.msg.migrate_to_chat_id;
    await deps.subscriptions.moveChat(ctx.chat.id, to);
    await deps.settings.move(ctx.chat.id, to);
    log.info({ from: ctx.chat.id, to }, "group migrated: subscriptions moved");
  });
  return composer;
}
