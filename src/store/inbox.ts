import type { Update } from "grammy/types";
import { type Kysely, sql } from "kysely";
import type { Dialect } from "./dialect.js";
import type { Database } from "./schema.js";

/**
 * Updates that reached an instance through the webhook, waiting for the instance that handles
 * updates. The primary key is the update id: a re-delivery (Telegram retries an answer it
 * found slow, perhaps at another instance) is one row.
 */
export interface InboxRepo {
  /** Keeps an update; false when it is already waiting. */
  put(update: Update): Promise<boolean>;
  /** Takes (deletes and returns) up to `limit` waiting updates, oldest first; each to one taker only. */
  take(limit: number): Promise<Update[]>;
  /** Drops updates nobody took for this long (no instance handled updates meanwhile). */
  purge(olderThanMs: number): Promise<number>;
}

export function createInboxRepo(db: Kysely<Database>, dialect: Dialect): InboxRepo {
  return {
    async put(update) {
      const res = await db
        .insertInto("inbox")
        .values({ update_id: update.update_id, body: JSON.stringify(update), received_at: Date.now() })
        .onConflict((oc) => oc.column("update_id").doNothing())
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async take(limit) {
      // One statement: a row goes to one taker only (a row another taker deleted first is not
      // returned). On PostgreSQL, rows another taker is deleting are skipped, not waited for,
      // so two takers at once (a handover) get different rows.
      const oldest = db.selectFrom("inbox").select("update_id").orderBy("update_id").limit(limit);
      const rows = await db
        .deleteFrom("inbox")
        .where(
          "update_id",
          "in",
          dialect === "postgres" ? oldest.modifyEnd(sql`for update skip locked`) : oldest,
        )
        .returning(["update_id", "body"])
        .execute();
      return rows.sort((a, b) => a.update_id - b.update_id).map((r) => JSON.parse(r.body) as Update);
    },
    async purge(olderThanMs) {
      const res = await db
        .deleteFrom("inbox")
        .where("received_at", "<", Date.now() - olderThanMs)
        .executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
