import { Composer, InlineKeyboard } from "grammy";
import type { Language } from "../../domain/types.js";
import type { BotContext, BotDeps } from "../context.js";
import { editIgnoringUnchanged } from "./settings.js";

/**
 * /language: each person's language for the bot's replies. In a group, an admin's choice also
 * sets the language of the posts the group receives.
 */
export function languageFeature(deps: Pick<BotDeps, "settings" | "settingsChanged">): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command("language", async (ctx) => {
    await ctx.reply(ctx.t("language-choose"), {
      reply_markup: new InlineKeyboard().text("🇻🇳 Tiếng Việt", "lang:vi").text("🇬🇧 English", "lang:en"),
    });
  });
  composer.callbackQuery(/^lang:(vi|en)$/, async (ctx) => {
    const language = ctx.match[1] as Language;
    await deps.settings.setUserLanguage(ctx.from.id, language);
    const chat = ctx.chat;
    if (chat && chat.type !== "private") {
      const member = await ctx.api.getChatMember(chat.id, ctx.from.id).catch(() => undefined);
      if (member && (member.status === "creator" || member.status === "administrator")) {
        await deps.settings.setLanguage(chat.id, language);
        deps.settingsChanged(chat.id);
      }
    } else if (chat) {
      await deps.settings.setLanguage(chat.id, language);
      deps.settingsChanged(chat.id);
    }
    ctx.i18n.useLocale(language);
    await ctx.answerCallbackQuery({ text: ctx.t("language-set") });
    // In a group the menu stays for the others: each member picks their own language.
    if (chat?.type === "private")
      await editIgnoringUnchanged(() => ctx.editMessageText(ctx.t("language-set")));
  });
  return composer;
}
