import { Composer } from "grammy";
import {
  type BulletinMode,
  bulletinTimes,
  describeSchedule,
  isClockWord,
  MAX_BULLETIN_TIMES,
  nextSlot,
  parseClockTimes,
  parseTimeZone,
} from "../../domain/bulletin.js";
import { isTimeZone } from "../../domain/time.js";
import type { ChatSettings } from "../../domain/types.js";
import { managedChat } from "../admin.js";
import type { BotContext, BotDeps } from "../context.js";
import { echo, echoHtml } from "../html.js";
import { formatDateTime } from "../render.js";

const MODE_WORDS: Record<string, BulletinMode | "off"> = {
  on: "also",
  also: "also",
  bat: "also",
  bật: "also",
  kem: "also",
  kèm: "also",
  only: "only",
  chi: "only",
  chỉ: "only",
  off: "off",
  tat: "off",
  tắt: "off",
};

const DEFAULT_ZONE_WORDS = new Set(["default", "reset", "macdinh", "mặcđịnh"]);

export type BulletinArgs =
  | { ok: true; mode?: BulletinMode | "off" | undefined; times?: number[] | undefined }
  | { ok: false; error: "word"; word: string }
  | { ok: false; error: "too-many" };

/** `/bulletin [on|only|off] [times…]`, in any order: a mode word and clock times (`6:30 18h`). */
export function parseBulletinArgs(words: string[]): BulletinArgs {
  let mode: BulletinMode | "off" | undefined;
  const clocks: string[] = [];
  for (const word of words) {
    const m = MODE_WORDS[word.toLowerCase().normalize("NFC")];
    if (m) mode = m;
    else if (isClockWord(word)) clocks.push(word);
    else return { ok: false, error: "word", word };
  }
  const times = clocks.length ? parseClockTimes(clocks) : undefined;
  if (times && times.length > MAX_BULLETIN_TIMES) return { ok: false, error: "too-many" };
  return { ok: true, mode, times };
}

/**
 * /bulletin: a chat's "Bản tin sáng/tối", its mode (besides the instant posts, or instead of
 * them) and its times; /timezone: the chat's zone for the bulletin, quiet hours and the
 * posts' times. Both for the chat's admins, or for a channel named from a private chat.
 */
export function bulletinFeature(
  deps: Pick<BotDeps, "settings" | "settingsChanged" | "timeZone">,
): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  const status = (ctx: BotContext, s: ChatSettings) => {
    const schedule = describeSchedule(s, deps.timeZone);
    if (!s.bulletin) return ctx.t("bulletin-status-off", schedule);
    const next = nextSlot(bulletinTimes(s), schedule.zone, Date.now());
    return ctx.t("bulletin-status", {
      mode: ctx.t(`bulletin-mode-${s.bulletin}`),
      ...schedule,
      next: next ? (formatDateTime(new Date(next.at).toISOString(), schedule.zone) ?? "") : "",
    });
  };

  composer.command("bulletin", async (ctx) => {
    const target = await managedChat(ctx, ctx.match.trim().split(/\s+/).filter(Boolean));
    if (!target) return;
    const { chatId, rest } = target;
    const current = await deps.settings.get(chatId);
    if (rest.length === 0)
      return void (await ctx.reply(`${status(ctx, current)}\n\n${ctx.t("bulletin-usage")}`, {
        parse_mode: "HTML",
      }));
    const args = parseBulletinArgs(rest);
    if (!args.ok) {
      const error =
        args.error === "too-many"
          ? ctx.t("bulletin-bad-too-many", { max: MAX_BULLETIN_TIMES })
          : ctx.t("bulletin-bad-word", { word: echoHtml(args.word) });
      return void (await ctx.reply(`${error}\n\n${ctx.t("bulletin-usage")}`, { parse_mode: "HTML" }));
    }
    // Times alone turn the bulletin on (besides the posts) if it was off.
    const mode = args.mode === "off" ? undefined : (args.mode ?? current.bulletin ?? "also");
    const updated = await deps.settings.setBulletin(chatId, { mode, times: args.times }, Date.now());
    deps.settingsChanged(chatId);
    await ctx.reply(status(ctx, updated), { parse_mode: "HTML" });
  });

  composer.command("timezone", async (ctx) => {
    const target = await managedChat(ctx, ctx.match.trim().split(/\s+/).filter(Boolean));
    if (!target) return;
    const { chatId, rest } = target;
    if (rest.length === 0) {
      const s = await deps.settings.get(chatId);
      return void (await ctx.reply(
        `${ctx.t("timezone-current", { zone: s.timeZone ?? deps.timeZone })}\n${ctx.t("timezone-usage")}`,
      ));
    }
    const word = rest.join(" ");
    const isDefault = DEFAULT_ZONE_WORDS.has(word.toLowerCase().normalize("NFC").replaceAll(" ", ""));
    const zone = isDefault ? undefined : parseTimeZone(word, isTimeZone);
    if (zone === undefined && !isDefault)
      return void (await ctx.reply(
        `${ctx.t("timezone-bad", { zone: echo(word) })}\n${ctx.t("timezone-usage")}`,
      ));
    const updated = await deps.settings.setTimeZone(chatId, zone, Date.now());
    deps.settingsChanged(chatId);
    const shown = updated.timeZone ?? deps.timeZone;
    await ctx.reply(
      ctx.t("timezone-set", {
        zone: shown,
        now: (formatDateTime(new Date().toISOString(), shown) ?? "").slice(-5),
      }),
    );
  });
  return composer;
}
