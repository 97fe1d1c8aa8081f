// biome-ignore-all lint/suspicious/noExplicitAny: a migration works on the schema as it was, not on ../schema.ts
import type { Kysely } from "kysely";

/**
 * OPML imports waiting for a bot admin's confirmation: the preview's new feeds, kept in the
 * database (not in memory) so the button still works after a restart or on another instance,
 * with a state that a confirmation moves on by compare-and-swap (a double tap adds once).
 */
export function opmlImports() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable("opml_imports")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("user_id", "bigint", (c) => c.notNull())
        .addColumn("chat_id", "bigint", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("feeds", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("claimed_at", "bigint")
        .execute();
      await db.schema.createIndex("opml_imports_created").on("opml_imports").column("created_at").execute();
    },
  };
}
