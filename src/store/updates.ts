import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

/** Update ids already handled: Telegram re-delivers an update it thinks was not answered. */
export interface UpdateRepo {
  /** True the first time an id is claimed, false ever after (one INSERT … ON CONFLICT DO NOTHING). */
  claim(updateId: number): Promise<boolean>;
  purge(olderThanMs: number): Promise<number>;
}

export function createUpdateRepo(db: Kysely<Database>): UpdateRepo {
  return {
    async claim(updateId) {
      const res = await db
        .insertInto("processed_updates")
        .values({ update_id: updateId, at: Date.now() })
        .onConflict((oc) => oc.column("update_id").doNothing())
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async purge(olderThanMs) {
      const res = await db
        .deleteFrom("processed_updates")
        .where("at", "<", Date.now() - olderThanMs)
        .executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
