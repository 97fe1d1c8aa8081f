// biome-ignore-all lint/suspicious/noExplicitAny: a migration works on the schema as it was, not on ../schema.ts
import type { Kysely } from "kysely";

/** Deliveries sent inside a digest are marked, so a correction never edits a digest as a post. */
export function digestRows() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable("deliveries").addColumn("digest", "integer").execute();
    },
  };
}
