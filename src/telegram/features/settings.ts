import { Composer, GrammyError, InlineKeyboard } from "grammy";
import { describeSchedule } from "../../domain/bulletin.js";
import { SETTING_KEYS, type SettingKey } from "../../domain/settings.js";
import { type ChatSettings, layoutOf } from "../../domain/types.js";
import { canManageChat, canManageChatId, checkChannel, managedChat } from "../admin.js";
import type { BotContext, BotDeps } from "../context.js";
import { echo, echoHtml } from "../html.js";

export { SETTING_KEYS };

/**
 * Runs an edit of the bot's own message, ignoring Telegram's "message is not modified" (the
 * message already shows it: two presses at once, or two menus of one chat).
 */
export async function editIgnoringUnchanged(edit: () => Promise<unknown>): Promise<void> {
  try {
    await edit();
  } catch (error) {
    if (error instanceof GrammyError && /message is not modified/i.test(error.description)) return;
    throw error;
  }
}

function keyboard(ctx: BotContext, chatId: number, s: ChatSettings): InlineKeyboard {
  const onOff = (v: boolean) => ctx.t(v ? "settings-on" : "settings-off");
  const quiet = s.quiet ? `${s.quiet.start}h–${s.quiet.end}h` : ctx.t("settings-off");
  const data = (key: string) => `st:${chatId}:${key}`;
  return new InlineKeyboard()
    .text(ctx.t("settings-summary", { value: ctx.t(`settings-summary-${s.summary}`) }), data("summary"))
    .text(ctx.t("settings-layout", { value: ctx.t(`settings-layout-${layoutOf(s)}`) }), data("layout"))
    .row()
    .text(
      ctx.t("settings-button", { value: ctx.t(s.readButton ? "settings-button-on" : "settings-button-off") }),
      data("button"),
    )
    .text(ctx.t("settings-silent", { value: onOff(s.silent) }), data("silent"))
    .row()
    .text(ctx.t("settings-quiet", { value: quiet }), data("quiet"))
    .text(
      ctx.t("settings-bulletin", { value: ctx.t(`settings-bulletin-${s.bulletin ?? "off"}`) }),
      data("bulletin"),
    );
}

/**
 * /settings [@channel]: per-chat summary length, layout, "read more", silent posts, quiet
 * hours, the bulletin; /quiet for any hours.
 */
export function settingsFeature(
  deps: Pick<BotDeps, "settings" | "settingsChanged" | "filters" | "timeZone">,
): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  composer.command("settings", async (ctx) => {
    let chatId = ctx.chat.id;
    let title =
      "title" in ctx.chat && ctx.chat.title ? ctx.chat.title : (ctx.from?.first_name ?? String(chatId));
    const channel = ctx.match.trim();
    if (channel && ctx.chat.type === "private" && ctx.from) {
      const check = await checkChannel(ctx.api, channel, ctx.from.id, ctx.me.id);
      if (!check.ok) return void (await ctx.reply(ctx.t(check.reason, { channel: echo(channel) })));
      chatId = check.chatId;
      title = check.title;
    } else if (!(await canManageChat(ctx))) return void (await ctx.reply(ctx.t("settings-not-admin")));
    const s = await deps.settings.get(chatId);
    // Filters belong to the subscription: this topic's, in a forum topic.
    const threadId =
      chatId === ctx.chat.id && ctx.msg?.is_topic_message ? ctx.msg.message_thread_id : undefined;
    const filters = await deps.filters.list({ chatId, threadId });
    const filterLine = ctx.t("settings-filters", {
      filters: filters.length
        ? filters.map((f) => `${f.include ? "+" : "−"}${echoHtml(f.label)}`).join(", ")
        : ctx.t("settings-off"),
    });
    const schedule = describeSchedule(s, deps.timeZone);
    const bulletinLine = ctx.t("settings-bulletin-line", {
      mode: ctx.t(`settings-bulletin-${s.bulletin ?? "off"}`),
      ...schedule,
    });
    await ctx.reply(
      `${ctx.t("settings-title", { chat: echoHtml(title) })}\n${filterLine}\n${bulletinLine}\n\n${ctx.t("settings-help")}`,
      {
        parse_mode: "HTML",
        reply_markup: keyboard(ctx, chatId, s),
      },
    );
  });

  // /quiet <from> <to> | off [@channel]: quiet hours from any hour to any hour.
  composer.command("quiet", async (ctx) => {
    const target = await managedChat(ctx, ctx.match.trim().split(/\s+/).filter(Boolean));
    if (!target) return;
    const { chatId, rest } = target;
    const hours = rest.map((w) => w.replace(/h$/i, ""));
    let quiet: ChatSettings["quiet"];
    if (rest.length === 1 && /^(?:off|tắt|tat)$/i.test(rest[0] as string)) quiet = undefined;
    else if (
      hours.length === 2 &&
      hours.every((h) => /^\d{1,2}$/.test(h) && Number(h) <= 23) &&
      Number(hours[0]) !== Number(hours[1])
    )
      quiet = { start: Number(hours[0]), end: Number(hours[1]) };
    else return void (await ctx.reply(ctx.t("quiet-usage")));
    await deps.settings.setQuiet(chatId, quiet);
    deps.settingsChanged(chatId);
    await ctx.reply(quiet ? ctx.t("quiet-set", { start: quiet.start, end: quiet.end }) : ctx.t("quiet-off"));
  });

  composer.callbackQuery(/^st:(-?\d{1,20}):(\w+)$/, async (ctx, next) => {
    const chatId = Number(ctx.match[1]);
    const key = ctx.match[2] as string;
    // A key this version does not know: a stale or forged button, answered as such at the end.
    if (!Number.isSafeInteger(chatId) || !(SETTING_KEYS as readonly string[]).includes(key)) return next();
    // The chat's own admins, the user themself in a private chat, or a channel's admins.
    if (!(await canManageChatId(ctx.api, chatId, ctx.from.id)))
      return void (await ctx.answerCallbackQuery({ text: ctx.t("settings-not-admin"), show_alert: true }));
    // One atomic statement: two admins pressing buttons at once both count.
    const updated = await deps.settings.toggle(chatId, key as SettingKey, Date.now());
    deps.settingsChanged(chatId);
    await ctx.answerCallbackQuery({ text: ctx.t("settings-saved") });
    await editIgnoringUnchanged(() =>
      ctx.editMessageReplyMarkup({ reply_markup: keyboard(ctx, chatId, updated) }),
    );
  });
  return composer;
}
