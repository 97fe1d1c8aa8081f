// biome-ignore-all lint/suspicious/noExplicitAny: a migration works on the schema as it was, not on ../schema.ts
import type { Kysely } from "kysely";

/**
 * Keyword filters per subscription (/filter), and each item's folded words that they are
 * matched on when deliveries are planned. A new table and a nullable column only: the previous
 * release reads and writes the schema as before (and plans without filters).
 */
export function filters() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable("subscription_filters")
        .addColumn("subscription_id", "bigint", (c) =>
          c.notNull().references("subscriptions.id").onDelete("cascade"),
        )
        .addColumn("term", "text", (c) => c.notNull())
        .addColumn("label", "text", (c) => c.notNull())
        .addColumn("include", "integer", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("subscription_filters_pk", ["subscription_id", "term"])
        .execute();
      await db.schema.alterTable("items").addColumn("match_text", "text").execute();
    },
  };
}
