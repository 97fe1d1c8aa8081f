// biome-ignore-all lint/suspicious/noExplicitAny: a migration works on the schema as it was, not on ../schema.ts
import { type Kysely, sql } from "kysely";
import { fold } from "../../text/fold.js";

/**
 * One added feed per name as people type it: the folded name ("Hà-Tĩnh", "hatinh" → hatinh)
 * is unique among the feeds not removed, so two admins adding fold-equal names at the same
 * instant cannot both succeed. Existing rows are keyed oldest first; a later row whose key is
 * taken already keeps none (it stays, and the older feed owns the name).
 */
export function feedKeys() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable("feed_sources").addColumn("name_key", "text").execute();
      const rows = await db
        .selectFrom("feed_sources")
        .select(["name"])
        .where("removed", "=", 0)
        .orderBy("created_at")
        .orderBy("name")
        .execute();
      const used = new Set<string>();
      for (const r of rows) {
        const key = fold(String(r.name));
        if (used.has(key)) continue;
        used.add(key);
        await db.updateTable("feed_sources").set({ name_key: key }).where("name", "=", r.name).execute();
      }
      await sql`create unique index feed_sources_key on feed_sources (name_key) where removed = 0`.execute(
        db,
      );
    },
  };
}
