// biome-ignore-all lint/suspicious/noExplicitAny: a migration works on the schema as it was, not on ../schema.ts
import type { Kysely } from "kysely";

/**
 * WebSub subscriptions: one per feed, at the hub it advertises. The callback id is the last
 * part of the callback URL (unguessable: a push to any other path is refused), the secret
 * signs the hub's deliveries (X-Hub-Signature).
 */
export function websub() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable("websub")
        .addColumn("feed", "text", (c) => c.primaryKey())
        .addColumn("hub", "text", (c) => c.notNull())
        .addColumn("topic", "text", (c) => c.notNull())
        .addColumn("callback_id", "text", (c) => c.notNull().unique())
        .addColumn("secret", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        // The hub of an operator feed is trusted like the feed (a local hub is common).
        .addColumn("trusted", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("lease_until", "bigint")
        .addColumn("verified_at", "bigint")
        .addColumn("requested_at", "bigint", (c) => c.notNull())
        .addColumn("error", "text")
        .execute();
    },
  };
}
