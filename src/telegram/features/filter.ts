import { createHash } from "node:crypto";
import { Composer, InlineKeyboard } from "grammy";
import { type KeywordFilter, MAX_FILTER_CHARS, MAX_FILTERS } from "../../domain/types.js";
import type { Logger } from "../../log.js";
import type { Target } from "../../store/subscriptions.js";
import { matchWords } from "../../text/match.js";
import { canManageChat, canManageChatId, channelFromArgument, isChannelWord } from "../admin.js";
import type { BotContext, BotDeps } from "../context.js";
import { echo, echoHtml } from "../html.js";
import { editIgnoringUnchanged } from "./settings.js";

/** Words that clear a subscription's filters: `/filter off`. */
const OFF_WORDS = new Set(["off", "clear", "none", "tắt", "xóa", "xoá", "xóa hết", "xoá hết"]);

export type FilterArgs =
  | { kind: "list" }
  | { kind: "clear" }
  | { kind: "add"; filters: KeywordFilter[] }
  | { kind: "bad"; item: string; reason: "empty" | "too-long" | "too-many" };

/**
 * Parses what follows `/filter` (the channel already taken off): nothing lists, "off" clears,
 * else comma-separated words or phrases, `+` (or no sign) to include, `-` to exclude. Plain
 * text only: a term is folded to its words (matchWords), never read as a pattern.
 */
export function parseFilterArgs(args: string): FilterArgs {
  const text = args.trim();
  if (!text) return { kind: "list" };
  // As typed, diacritics included: "bò", "Bộ" and "+tất" are words to filter on.
  if (OFF_WORDS.has(text.normalize("NFC").toLowerCase().replace(/\s+/g, " "))) return { kind: "clear" };
  const items = text
    .split(/[,;\n]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length > MAX_FILTERS)
    return { kind: "bad", item: items[MAX_FILTERS] as string, reason: "too-many" };
  const filters: KeywordFilter[] = [];
  for (const item of items) {
    const sign = item[0];
    const include = !(sign === "-" || sign === "−" || sign === "–");
    const label = (sign === "+" || !include ? item.slice(1) : item)
      .replace(/\s+/g, " ")
      .trim()
      .normalize("NFC");
    const term = matchWords(label);
    if (!term) return { kind: "bad", item, reason: "empty" };
    if (term.length > MAX_FILTER_CHARS) return { kind: "bad", item, reason: "too-long" };
    filters.push({ term, label, include });
  }
  return { kind: "add", filters };
}

/** A term's id in a button's data (callback data holds at most 64 bytes; a term up to 60). */
export const termId = (term: string) => createHash("sha1").update(term).digest("base64url").slice(0, 10);

/** The filters for an HTML message: what is included, what is left out. */
export function describeFilters(ctx: BotContext, filters: KeywordFilter[]): string {
  if (filters.length === 0) return ctx.t("filter-none");
  const list = (include: boolean) =>
    filters
      .filter((f) => f.include === include)
      .map((f) => echoHtml(f.label))
      .join(", ");
  const lines: string[] = [];
  if (filters.some((f) => f.include)) lines.push(ctx.t("filter-includes", { terms: list(true) }));
  if (filters.some((f) => !f.include)) lines.push(ctx.t("filter-excludes", { terms: list(false) }));
  return lines.join("\n");
}

function removeButtons(target: Target, filters: KeywordFilter[]): InlineKeyboard | undefined {
  if (filters.length === 0) return undefined;
  const kb = new InlineKeyboard();
  filters.forEach((f, k) => {
    kb.text(
      `✖ ${f.include ? "+" : "−"}${echo(f.label, 30)}`,
      `fl:${target.chatId}:${target.threadId ?? 0}:${termId(f.term)}`,
    );
    if (k % 2 === 1) kb.row();
  });
  return kb;
}

/**
 * /filter [@channel] [+word, -word, … | off]: keyword filters of this chat's subscription (of
 * this forum topic's, in a topic), for those who may change the subscription. Applied when
 * deliveries are planned (store/plan.ts): a filtered item is never queued.
 */
export function filterFeature(deps: Pick<BotDeps, "filters">, log: Logger): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  const listMessage = (ctx: BotContext, where: string, filters: KeywordFilter[]) =>
    `${ctx.t("filter-title", { chat: where })}\n${describeFilters(ctx, filters)}${
      filters.length ? `\n\n${ctx.t("filter-remove-hint")}` : `\n\n${ctx.t("filter-usage")}`
    }`;

  composer.command("filter", async (ctx) => {
    let rest = ctx.match.trim();
    let target: Target;
    let where: string;
    const first = rest.split(/\s+/)[0] ?? "";
    if (isChannelWord(first)) {
      const check = await channelFromArgument(ctx, first);
      if (!check) return;
      target = { chatId: check.chatId };
      where = echoHtml(check.title);
      rest = rest.slice(first.length);
    } else {
      if (!(await canManageChat(ctx))) return void (await ctx.reply(ctx.t("filter-not-admin")));
      target = {
        chatId: ctx.chat.id,
        threadId: ctx.msg?.is_topic_message ? ctx.msg.message_thread_id : undefined,
      };
      where = echoHtml("title" in ctx.chat && ctx.chat.title ? ctx.chat.title : (ctx.from?.first_name ?? ""));
    }
    const args = parseFilterArgs(rest);
    const html = { parse_mode: "HTML" as const };
    switch (args.kind) {
      case "bad":
        return void (await ctx.reply(
          ctx.t(`filter-bad-${args.reason}`, {
            item: echo(args.item),
            max: MAX_FILTERS,
            chars: MAX_FILTER_CHARS,
          }),
        ));
      case "clear": {
        const n = await deps.filters.clear(target);
        log.info(
          { chat: target.chatId, thread: target.threadId, by: ctx.from?.id, removed: n },
          "filters cleared",
        );
        return void (await ctx.reply(ctx.t("filter-cleared", { count: n })));
      }
      case "list": {
        const filters = await deps.filters.list(target);
        const markup = removeButtons(target, filters);
        return void (await ctx.reply(listMessage(ctx, where, filters), {
          ...html,
          ...(markup ? { reply_markup: markup } : {}),
        }));
      }
      case "add": {
        const result = await deps.filters.add(target, args.filters);
        if (!result.ok) {
          return void (await ctx.reply(
            ctx.t(result.reason === "too-many" ? "filter-too-many" : "filter-no-subscription", {
              max: MAX_FILTERS,
            }),
          ));
        }
        log.info(
          { chat: target.chatId, thread: target.threadId, by: ctx.from?.id, count: result.filters.length },
          "filters changed",
        );
        const markup = removeButtons(target, result.filters);
        return void (await ctx.reply(`${ctx.t("filter-saved")}\n${describeFilters(ctx, result.filters)}`, {
          ...html,
          ...(markup ? { reply_markup: markup } : {}),
        }));
      }
    }
  });

  composer.callbackQuery(/^fl:(-?\d{1,20}):(\d{1,12}):([\w-]{10})$/, async (ctx) => {
    const chatId = Number(ctx.match[1]);
    const threadId = Number(ctx.match[2]);
    const target: Target = { chatId, ...(threadId ? { threadId } : {}) };
    if (!Number.isSafeInteger(chatId) || !(await canManageChatId(ctx.api, chatId, ctx.from.id)))
      return void (await ctx.answerCallbackQuery({ text: ctx.t("filter-not-admin"), show_alert: true }));
    const filters = await deps.filters.list(target);
    const gone = filters.find((f) => termId(f.term) === ctx.match[3]);
    // Removing is idempotent: two presses, or a button of an old list, change nothing more.
    if (gone) await deps.filters.remove(target, gone.term);
    const left = gone ? filters.filter((f) => f !== gone) : filters;
    await ctx.answerCallbackQuery({ text: ctx.t(gone ? "filter-removed" : "filter-already-removed") });
    const markup = removeButtons(target, left);
    await editIgnoringUnchanged(() =>
      ctx.editMessageText(`${ctx.t("filter-saved")}\n${describeFilters(ctx, left)}`, {
        parse_mode: "HTML",
        ...(markup ? { reply_markup: markup } : {}),
      }),
    );
  });
  return composer;
}
