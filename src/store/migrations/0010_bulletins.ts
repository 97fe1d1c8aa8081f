// biome-ignore-all lint/suspicious/noExplicitAny: a migration works on the schema as it was, not on ../schema.ts
import type { Kysely } from "kysely";

/**
 * The bulletin ("Bản tin sáng/tối"): a chat's choice (nullable columns of chat_settings, so
 * the previous release reads its settings as before) and one row per (chat, topic, slot), the
 * unique key that makes a slot's bulletin go out once whichever instance sends it. The items'
 * first-seen time is indexed (a bulletin reads its period by it), and their story key with it.
 */
export function bulletins() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      for (const [column, type] of [
        ["bulletin_mode", "text"],
        ["bulletin_times", "text"],
        ["bulletin_since", "bigint"],
        ["time_zone", "text"],
      ] as const)
        await db.schema.alterTable("chat_settings").addColumn(column, type).execute();
      await db.schema
        .createTable("bulletins")
        .addColumn("chat_id", "bigint", (c) => c.notNull())
        .addColumn("thread_id", "bigint", (c) => c.notNull())
        .addColumn("slot_at", "bigint", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("claimed_by", "text")
        .addColumn("claim_until", "bigint")
        .addColumn("attempts", "integer", (c) => c.notNull())
        .addColumn("items", "integer")
        .addColumn("message_id", "bigint")
        .addColumn("error", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("done_at", "bigint")
        .addPrimaryKeyConstraint("bulletins_pk", ["chat_id", "thread_id", "slot_at"])
        .execute();
      await db.schema.createIndex("bulletins_slot").on("bulletins").column("slot_at").execute();
      await db.schema.createIndex("items_created").on("items").column("created_at").execute();
      // A story's earlier copies (another feed, an earlier period): not news twice.
      await db.schema.createIndex("items_story").on("items").columns(["story_key", "created_at"]).execute();
    },
  };
}
