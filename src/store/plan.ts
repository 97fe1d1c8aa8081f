import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.js";

const PLAN_CHUNK = 50;
const columns = [
  "chat_id",
  "thread_id",
  "item_id",
  "feed",
  "story_key",
  "status",
  "attempts",
  "not_before",
  "created_at",
] as const;

/**
 * The planner's SQL: deliveries of these stored items to every subscription that wants their
 * feed, as INSERT … SELECT in the database (nothing read into memory), 50 items a transaction.
 * The unique key (chat, topic, story) drops what a chat already has or had. Returns how many
 * rows are new.
 */
export async function planDeliveries(db: Kysely<Database>, itemRowIds: number[]): Promise<number> {
  let planned = 0;
  for (let i = 0; i < itemRowIds.length; i += PLAN_CHUNK) {
    const ids = itemRowIds.slice(i, i + PLAN_CHUNK);
    const now = Date.now();
    const fixed = [
      sql.lit("pending").as("status"),
      sql.lit(0).as("attempts"),
      sql.lit(0).as("not_before"),
      sql.lit(now).as("created_at"),
    ] as const;
    planned += await db.transaction().execute(async (trx) => {
      // "all" subscriptions (subscriptions_all), minus their exclusions.
      const all = await trx
        .insertInto("deliveries")
        .columns(columns)
        .expression(
          trx
            .selectFrom("items as i")
            .innerJoin("subscriptions as s", (j) => j.on("s.all_feeds", "=", 1))
            .select(["s.chat_id", "s.thread_id", "i.id", "i.feed", "i.story_key", ...fixed])
            .where("i.id", "in", ids)
            .where(({ not, exists, selectFrom }) =>
              not(
                exists(
                  selectFrom("subscription_feeds as sf")
                    .select("sf.feed")
                    .whereRef("sf.subscription_id", "=", "s.id")
                    .whereRef("sf.feed", "=", "i.feed"),
                ),
              ),
            )
            .orderBy("i.id"),
        )
        .onConflict((oc) => oc.columns(["chat_id", "thread_id", "story_key"]).doNothing())
        .executeTakeFirst();
      // Subscriptions to named feeds (subscription_feeds_feed).
      const some = await trx
        .insertInto("deliveries")
        .columns(columns)
        .expression(
          trx
            .selectFrom("items as i")
            .innerJoin("subscription_feeds as sf", (j) =>
              j.onRef("sf.feed", "=", "i.feed").on("sf.excluded", "=", 0),
            )
            .innerJoin("subscriptions as s", (j) =>
              j.onRef("s.id", "=", "sf.subscription_id").on("s.all_feeds", "=", 0),
            )
            .select(["s.chat_id", "s.thread_id", "i.id", "i.feed", "i.story_key", ...fixed])
            .where("i.id", "in", ids)
            .orderBy("i.id"),
        )
        .onConflict((oc) => oc.columns(["chat_id", "thread_id", "story_key"]).doNothing())
        .executeTakeFirst();
      return Number(all.numInsertedOrUpdatedRows ?? 0) + Number(some.numInsertedOrUpdatedRows ?? 0);
    });
  }
  return planned;
}
