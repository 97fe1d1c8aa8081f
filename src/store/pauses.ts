import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

/** The key of a pause of every send (a 429 without a chat, or from several chats at once). */
export const GLOBAL_PAUSE = "*";

/**
 * Telegram's 429 pauses, shared by the instances of one token: the one that takes over the
 * sending honours what the previous one was told. One row per chat, the latest end kept.
 */
export interface PauseRepo {
  /** Records a pause until `until` (epoch ms); an earlier end never shortens a longer one. */
  pause(chat: string, until: number): Promise<void>;
  /** Pauses not over yet (a handful: rows are purged when they end). */
  active(now?: number): Promise<Array<{ chat: string; until: number }>>;
  purge(now?: number): Promise<number>;
}

export function createPauseRepo(db: Kysely<Database>): PauseRepo {
  return {
    async pause(chat, until) {
      await db
        .insertInto("flood_pauses")
        .values({ chat, until })
        .onConflict((oc) => oc.column("chat").doUpdateSet({ until }).where("flood_pauses.until", "<", until))
        .execute();
    },
    async active(now = Date.now()) {
      return db.selectFrom("flood_pauses").select(["chat", "until"]).where("until", ">", now).execute();
    },
    async purge(now = Date.now()) {
      const res = await db.deleteFrom("flood_pauses").where("until", "<=", now).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
