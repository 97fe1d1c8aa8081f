// biome-ignore-all lint/suspicious/noExplicitAny: a migration works on the schema as it was, not on ../schema.ts
import type { Kysely } from "kysely";

/**
 * Several instances on one token: webhook updates received by any instance wait in `inbox`
 * for the one that handles updates (the leader), and Telegram's 429 pauses are kept in
 * `flood_pauses` so that an instance taking over honours what its predecessor was told. Two
 * new tables: the previous release never reads them, so a rolling deploy mixes the two safely.
 */
export function instances() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable("inbox")
        .addColumn("update_id", "bigint", (c) => c.primaryKey())
        .addColumn("body", "text", (c) => c.notNull())
        .addColumn("received_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("flood_pauses")
        // A chat id or @username; "*" for a pause of every send.
        .addColumn("chat", "text", (c) => c.primaryKey())
        .addColumn("until", "bigint", (c) => c.notNull())
        .execute();
    },
  };
}
