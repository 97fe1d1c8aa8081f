// biome-ignore-all lint/suspicious/noExplicitAny: a migration works on the schema as it was, not on ../schema.ts
import type { Kysely } from "kysely";

/**
 * Summaries worth reading: per-feed options set with /addfeed (article fetching, label),
 * how many entries of a feed's last read were not items, an item's abstractive summary, and
 * daily counters shared by every instance (the summary API's request cap). Nullable columns
 * and a new table only: the previous release reads and writes the schema as before.
 */
export function articles() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable("feed_sources").addColumn("options", "text").execute();
      await db.schema.alterTable("feed_state").addColumn("items_rejected", "integer").execute();
      await db.schema.alterTable("items").addColumn("summary", "text").execute();
      await db.schema
        .createTable("daily_counters")
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("day", "text", (c) => c.notNull())
        .addColumn("count", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("daily_counters_pk", ["name", "day"])
        .execute();
    },
  };
}
