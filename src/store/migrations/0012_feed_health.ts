// biome-ignore-all lint/suspicious/noExplicitAny: a migration works on the schema as it was, not on ../schema.ts
import type { Kysely } from "kysely";

/**
 * Feed health: a row per feed that is failing (since when, why), whose admins were told, or
 * that was paused. Apart from feed_state, which the poller writes whole each read: the alert
 * and the pause are compare-and-swap updates here, so each is sent once.
 */
export function feedHealth() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable("feed_health")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("failing_since", "bigint", (c) => c.notNull())
        .addColumn("reason", "text")
        .addColumn("http_status", "integer")
        .addColumn("alerted_at", "bigint")
        .addColumn("paused_at", "bigint")
        .execute();
    },
  };
}
