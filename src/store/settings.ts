import { type Kysely, type Selectable, sql } from "kysely";
import { nextSetting, QUIET_PRESETS, type SettingKey, SUMMARY_LENGTHS } from "../domain/settings.js";
import { type ChatSettings, DEFAULT_SETTINGS, type Language, type SummaryLength } from "../domain/types.js";
import type { Database } from "./schema.js";

type Row = Selectable<Database["chat_settings"]>;

export function settingsFromRow(r: Row): ChatSettings {
  return {
    summary: r.summary as SummaryLength,
    images: r.images === 1,
    previews: r.previews === 1,
    silent: r.silent === 1,
    ...(r.read_button === 1 ? { readButton: true } : {}),
    ...(r.quiet_start !== null && r.quiet_end !== null
      ? { quiet: { start: r.quiet_start, end: r.quiet_end } }
      : {}),
    ...(r.language ? { language: r.language as Language } : {}),
    ...(r.time_zone ? { timeZone: r.time_zone } : {}),
    ...(r.bulletin_mode === "also" || r.bulletin_mode === "only" ? { bulletin: r.bulletin_mode } : {}),
    ...(r.bulletin_times ? { bulletinTimes: parseTimes(r.bulletin_times) } : {}),
    ...(r.bulletin_since !== null ? { bulletinSince: Number(r.bulletin_since) } : {}),
  };
}

function parseTimes(text: string): number[] {
  return text
    .split(",")
    .map(Number)
    .filter((m) => Number.isInteger(m) && m >= 0 && m < 1440);
}

function toRow(s: ChatSettings) {
  return {
    summary: s.summary,
    images: s.images ? 1 : 0,
    previews: s.previews ? 1 : 0,
    silent: s.silent ? 1 : 0,
    read_button: s.readButton ? 1 : 0,
    quiet_start: s.quiet?.start ?? null,
    quiet_end: s.quiet?.end ?? null,
    language: s.language ?? null,
    time_zone: s.timeZone ?? null,
    bulletin_mode: s.bulletin ?? null,
    bulletin_times: s.bulletinTimes?.length ? s.bulletinTimes.join(",") : null,
    bulletin_since: s.bulletinSince ?? null,
  };
}

/** The SQL of one button press on the stored row: the same steps as nextSetting, in one statement. */
function step(key: SettingKey, at: number) {
  switch (key) {
    case "bulletin":
      return {
        bulletin_mode: sql<
          string | null
        >`case when chat_settings.bulletin_mode is null then 'also' when chat_settings.bulletin_mode = 'also' then 'only' else null end`,
        bulletin_since: sql<
          number | null
        >`case when chat_settings.bulletin_mode is null then ${at} else chat_settings.bulletin_since end`,
      };
    case "images":
    case "previews":
    case "silent":
      return { [key]: sql<number>`1 - ${sql.ref(`chat_settings.${key}`)}` };
    case "button":
      return { read_button: sql<number>`1 - coalesce(chat_settings.read_button, 0)` };
    case "layout":
      // Both from the row as it was (SQL reads the old values on the right-hand side).
      return {
        images: sql<number>`case when chat_settings.images = 1 then 0 when chat_settings.previews = 1 then 0 else 1 end`,
        previews: sql<number>`case when chat_settings.images = 1 then 1 when chat_settings.previews = 1 then 0 else 1 end`,
      };
    case "summary": {
      const [a, b, c] = SUMMARY_LENGTHS;
      return {
        summary: sql<string>`case chat_settings.summary when ${sql.lit(a)} then ${sql.lit(b)} when ${sql.lit(b)} then ${sql.lit(c)} else ${sql.lit(a)} end`,
      };
    }
    case "quiet": {
      // Preset i → preset i + 1, told apart by their start hours; anything else → the first preset.
      const presets = QUIET_PRESETS.filter((q) => q !== undefined) as Array<{ start: number; end: number }>;
      // Literals (constants of this file), so PostgreSQL types the CASE as integer.
      const lit = (v: number | undefined) => (v === undefined ? sql`null` : sql.lit(v));
      const next = (field: "start" | "end") =>
        sql<number | null>`case ${sql.join(
          [
            sql`when chat_settings.quiet_start is null then ${lit(presets[0]?.[field])}`,
            ...presets.map(
              (q, i) =>
                sql`when chat_settings.quiet_start = ${q.start} then ${presets[i + 1]?.[field] ?? null}`,
            ),
          ],
          sql` `,
        )} else null end`;
      return { quiet_start: next("start"), quiet_end: next("end") };
    }
  }
}

export interface SettingsRepo {
  get(chatId: number): Promise<ChatSettings>;
  save(chatId: number, settings: ChatSettings): Promise<void>;
  /** One button press at `at`, as one atomic statement (two admins pressing at once both count); returns the result. */
  toggle(chatId: number, key: SettingKey, at?: number): Promise<ChatSettings>;
  /**
   * The bulletin's mode (undefined: off) and, when given, its times. Turned on, or with new
   * times, its schedule starts at `at` (earlier slots are not owed). Nothing else changes;
   * returns the result.
   */
  setBulletin(
    chatId: number,
    change: { mode: ChatSettings["bulletin"]; times?: number[] | undefined },
    at: number,
  ): Promise<ChatSettings>;
  /** The chat's time zone (undefined: TIMEZONE); a new one starts the bulletin's schedule again at `at`. */
  setTimeZone(chatId: number, timeZone: string | undefined, at: number): Promise<ChatSettings>;
  /** Quiet hours from any hour to any hour (undefined: off), and nothing else; returns the result. */
  setQuiet(chatId: number, quiet: ChatSettings["quiet"]): Promise<ChatSettings>;
  /** The language of the chat's posts, and nothing else. */
  setLanguage(chatId: number, language: Language): Promise<void>;
  move(from: number, to: number): Promise<void>;
  remove(chatId: number): Promise<void>;
  /** A person's chosen language for the bot's replies. */
  userLanguage(userId: number): Promise<Language | undefined>;
  setUserLanguage(userId: number, language: Language): Promise<void>;
}

export function createSettingsRepo(db: Kysely<Database>): SettingsRepo {
  return {
    async get(chatId) {
      const r = await db
        .selectFrom("chat_settings")
        .selectAll()
        .where("chat_id", "=", chatId)
        .executeTakeFirst();
      return r ? settingsFromRow(r) : { ...DEFAULT_SETTINGS };
    },
    async save(chatId, s) {
      const row = toRow(s);
      await db
        .insertInto("chat_settings")
        .values({ chat_id: chatId, ...row })
        .onConflict((oc) => oc.column("chat_id").doUpdateSet(row))
        .execute();
    },
    async toggle(chatId, key, at = Date.now()) {
      const r = await db
        .insertInto("chat_settings")
        .values({ chat_id: chatId, ...toRow(nextSetting(DEFAULT_SETTINGS, key, at)) })
        .onConflict((oc) => oc.column("chat_id").doUpdateSet(step(key, at)))
        .returningAll()
        .executeTakeFirstOrThrow();
      return settingsFromRow(r);
    },
    async setQuiet(chatId, quiet) {
      const columns = { quiet_start: quiet?.start ?? null, quiet_end: quiet?.end ?? null };
      const r = await db
        .insertInto("chat_settings")
        .values({ chat_id: chatId, ...toRow({ ...DEFAULT_SETTINGS, quiet }) })
        .onConflict((oc) => oc.column("chat_id").doUpdateSet(columns))
        .returningAll()
        .executeTakeFirstOrThrow();
      return settingsFromRow(r);
    },
    async setBulletin(chatId, change, at) {
      const times = change.times ? (change.times.length ? change.times.join(",") : null) : undefined;
      // The schedule starts again only when the bulletin is turned on or its times change: a
      // mode change alone keeps the slot that is due (and perhaps being sent).
      const restarts =
        times === undefined
          ? sql<boolean>`chat_settings.bulletin_mode is null`
          : sql<boolean>`(chat_settings.bulletin_mode is null or coalesce(chat_settings.bulletin_times, '') <> ${times ?? ""})`;
      const columns = {
        bulletin_mode: change.mode ?? null,
        bulletin_since: sql<number>`case when ${restarts} then ${at} else chat_settings.bulletin_since end`,
        ...(times !== undefined ? { bulletin_times: times } : {}),
      };
      const r = await db
        .insertInto("chat_settings")
        .values({
          chat_id: chatId,
          ...toRow({ ...DEFAULT_SETTINGS, bulletin: change.mode, bulletinTimes: change.times }),
          bulletin_since: at,
        })
        .onConflict((oc) => oc.column("chat_id").doUpdateSet(columns))
        .returningAll()
        .executeTakeFirstOrThrow();
      return settingsFromRow(r);
    },
    async setTimeZone(chatId, timeZone, at) {
      // A new zone moves every slot: the schedule starts again, so no slot is owed at once.
      const columns = {
        time_zone: timeZone ?? null,
        bulletin_since: sql<number>`case when coalesce(chat_settings.time_zone, '') <> ${timeZone ?? ""} then ${at} else chat_settings.bulletin_since end`,
      };
      const r = await db
        .insertInto("chat_settings")
        .values({ chat_id: chatId, ...toRow({ ...DEFAULT_SETTINGS, timeZone }), bulletin_since: at })
        .onConflict((oc) => oc.column("chat_id").doUpdateSet(columns))
        .returningAll()
        .executeTakeFirstOrThrow();
      return settingsFromRow(r);
    },
    async setLanguage(chatId, language) {
      await db
        .insertInto("chat_settings")
        .values({ chat_id: chatId, ...toRow({ ...DEFAULT_SETTINGS, language }) })
        .onConflict((oc) => oc.column("chat_id").doUpdateSet({ language }))
        .execute();
    },
    async move(from, to) {
      await db.transaction().execute(async (trx) => {
        // The new chat's own settings, if it has any, win.
        await trx
          .updateTable("chat_settings")
          .set({ chat_id: to })
          .where("chat_id", "=", from)
          .where(({ not, exists, selectFrom }) =>
            not(exists(selectFrom("chat_settings as c2").select("c2.chat_id").where("c2.chat_id", "=", to))),
          )
          .execute();
        await trx.deleteFrom("chat_settings").where("chat_id", "=", from).execute();
      });
    },
    async remove(chatId) {
      await db.deleteFrom("chat_settings").where("chat_id", "=", chatId).execute();
    },
    async userLanguage(userId) {
      const r = await db
        .selectFrom("user_languages")
        .select("language")
        .where("user_id", "=", userId)
        .executeTakeFirst();
      return r?.language as Language | undefined;
    },
    async setUserLanguage(userId, language) {
      await db
        .insertInto("user_languages")
        .values({ user_id: userId, language })
        .onConflict((oc) => oc.column("user_id").doUpdateSet({ language }))
        .execute();
    },
  };
}
