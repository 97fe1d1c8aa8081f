// biome-ignore-all lint/suspicious/noExplicitAny: a migration works on the schema as it was, not on ../schema.ts
import type { Kysely } from "kysely";

/** A feed that moved: where permanent redirects lead, and at how many reads in a row. */
export function feedMoves() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable("feed_state").addColumn("moved_to", "text").execute();
      await db.schema.alterTable("feed_state").addColumn("moved_reads", "integer").execute();
    },
  };
}
