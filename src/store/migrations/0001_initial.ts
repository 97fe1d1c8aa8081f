// biome-ignore-all lint/suspicious/noExplicitAny: a migration works on the schema as it was, not on ../schema.ts
import { type Kysely, sql } from "kysely";
import type { Dialect } from "../dialect.js";
import { autoId } from "../dialect.js";

/** The first schema: every table of ../schema.ts with the indexes the hot paths use. */
export function initial(dialect: Dialect) {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable("feed_sources")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("url", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("removed", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("added_by", "bigint")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("feed_state")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("url", "text", (c) => c.notNull())
        .addColumn("title", "text")
        .addColumn("etag", "text")
        .addColumn("last_modified", "text")
        .addColumn("baseline_done", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("failures", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("skip_until_cycle", "bigint", (c) => c.notNull().defaultTo(0))
        .addColumn("not_before", "bigint")
        .addColumn("last_checked_at", "bigint")
        .addColumn("last_success_at", "bigint")
        .addColumn("last_error_at", "bigint")
        .addColumn("last_error", "text")
        .addColumn("next_attempt_at", "bigint")
        .addColumn("items_known", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("items_held", "integer", (c) => c.notNull().defaultTo(0))
        .execute();

      await autoId(dialect, db.schema.createTable("items"))
        .addColumn("feed", "text", (c) => c.notNull())
        .addColumn("item_key", "text", (c) => c.notNull())
        .addColumn("story_key", "text", (c) => c.notNull())
        .addColumn("title", "text", (c) => c.notNull())
        .addColumn("link", "text")
        .addColumn("text", "text", (c) => c.notNull())
        .addColumn("image", "text")
        .addColumn("published", "text")
        .addColumn("published_at", "bigint", (c) => c.notNull())
        .addColumn("categories", "text", (c) => c.notNull())
        .addColumn("author", "text")
        .addColumn("source", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addUniqueConstraint("items_feed_key", ["feed", "item_key"])
        .execute();
      // /latest for one feed, and pruning a feed down to its newest.
      await db.schema
        .createIndex("items_feed_published")
        .on("items")
        .columns(["feed", "published_at"])
        .execute();
      // /latest over every feed.
      await db.schema.createIndex("items_published").on("items").column("published_at").execute();

      await autoId(dialect, db.schema.createTable("subscriptions"))
        .addColumn("chat_id", "bigint", (c) => c.notNull())
        .addColumn("thread_id", "bigint", (c) => c.notNull().defaultTo(0))
        .addColumn("all_feeds", "integer", (c) => c.notNull())
        .addColumn("chat_type", "text", (c) => c.notNull())
        .addColumn("title", "text")
        .addColumn("created_by", "bigint")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addUniqueConstraint("subscriptions_target", ["chat_id", "thread_id"])
        .execute();
      // The planner reads the "all" subscriptions for every new item.
      await db.schema
        .createIndex("subscriptions_all")
        .on("subscriptions")
        .column("all_feeds")
        .where(sql.ref("all_feeds"), "=", 1)
        .execute();

      await db.schema
        .createTable("subscription_feeds")
        .addColumn("subscription_id", "bigint", (c) =>
          c.notNull().references("subscriptions.id").onDelete("cascade"),
        )
        .addColumn("feed", "text", (c) => c.notNull())
        .addColumn("excluded", "integer", (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint("subscription_feeds_pk", ["subscription_id", "feed"])
        .execute();
      // The planner finds a feed's subscribers through this index.
      await db.schema
        .createIndex("subscription_feeds_feed")
        .on("subscription_feeds")
        .columns(["feed", "subscription_id"])
        .execute();

      await db.schema
        .createTable("chat_settings")
        .addColumn("chat_id", "bigint", (c) => c.primaryKey())
        .addColumn("summary", "text", (c) => c.notNull())
        .addColumn("images", "integer", (c) => c.notNull())
        .addColumn("previews", "integer", (c) => c.notNull())
        .addColumn("silent", "integer", (c) => c.notNull())
        .addColumn("quiet_start", "integer")
        .addColumn("quiet_end", "integer")
        .addColumn("language", "text")
        .execute();

      await db.schema
        .createTable("user_languages")
        .addColumn("user_id", "bigint", (c) => c.primaryKey())
        .addColumn("language", "text", (c) => c.notNull())
        .execute();

      await autoId(dialect, db.schema.createTable("deliveries"))
        .addColumn("chat_id", "bigint", (c) => c.notNull())
        .addColumn("thread_id", "bigint", (c) => c.notNull().defaultTo(0))
        .addColumn("item_id", "bigint", (c) => c.notNull())
        .addColumn("feed", "text", (c) => c.notNull())
        .addColumn("story_key", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("not_before", "bigint", (c) => c.notNull().defaultTo(0))
        .addColumn("claimed_by", "text")
        .addColumn("claim_until", "bigint")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("done_at", "bigint")
        .addColumn("message_id", "bigint")
        .addColumn("error", "text")
        // The ledger's invariant: one story once per chat and topic, whatever the feed.
        // Its chat_id prefix also serves cancelling and moving a chat's queue.
        .addUniqueConstraint("deliveries_target_story", ["chat_id", "thread_id", "story_key"])
        .execute();
      // The sender's queue: pending rows by due time, nothing else.
      await db.schema
        .createIndex("deliveries_due")
        .on("deliveries")
        .columns(["not_before", "id"])
        .where(sql.ref("status"), "=", "pending")
        .execute();
      // The ledger's expiry and the dead-letter count; pending rows (counted through
      // deliveries_due) stay out of it, so planning a delivery writes one index less.
      await db.schema
        .createIndex("deliveries_done")
        .on("deliveries")
        .columns(["status", "done_at"])
        // Written as IN, not <> 'pending': SQLite uses a partial index only when the query
        // repeats its condition, and the queries on finished rows say IN (FINISHED).
        .where(sql.ref("status"), "in", ["sent", "dead", "cancelled"])
        .execute();

      await db.schema
        .createTable("processed_updates")
        .addColumn("update_id", "bigint", (c) => c.primaryKey())
        .addColumn("at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("processed_updates_at").on("processed_updates").column("at").execute();

      await db.schema
        .createTable("leases")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("owner", "text", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("meta")
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("value", "bigint", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("keyv")
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("value", "text", (c) => c.notNull())
        .addColumn("expires", "bigint")
        .execute();
      // Expired entries are deleted by this index, not found by a scan.
      await db.schema
        .createIndex("keyv_expires")
        .on("keyv")
        .column("expires")
        .where(sql.ref("expires"), "is not", null)
        .execute();
    },
  };
}
