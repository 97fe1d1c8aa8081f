import type { Kysely } from "kysely";
import { type ChatSettings, DEFAULT_SETTINGS, type Language, type SummaryLength } from "../domain/types.js";
import type { Database } from "./schema.js";

export interface SettingsRepo {
  get(chatId: number): Promise<ChatSettings>;
  save(chatId: number, settings: ChatSettings): Promise<void>;
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
      if (!r) return { ...DEFAULT_SETTINGS };
      return {
        summary: r.summary as SummaryLength,
        images: r.images === 1,
        previews: r.previews === 1,
        silent: r.silent === 1,
        ...(r.quiet_start !== null && r.quiet_end !== null
          ? { quiet: { start: r.quiet_start, end: r.quiet_end } }
          : {}),
        ...(r.language ? { language: r.language as Language } : {}),
      };
    },
    async save(chatId, s) {
      const row = {
        summary: s.summary,
        images: s.images ? 1 : 0,
        previews: s.previews ? 1 : 0,
        silent: s.silent ? 1 : 0,
        quiet_start: s.quiet?.start ?? null,
        quiet_end: s.quiet?.end ?? null,
        language: s.language ?? null,
      };
      await db
        .insertInto("chat_settings")
        .values({ chat_id: chatId, ...row })
        .onConflict((oc) => oc.column("chat_id").doUpdateSet(row))
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
