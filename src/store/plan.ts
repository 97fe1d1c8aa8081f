import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.js";

/**
 * Rows one planning transaction may write, about: big enough that a batch's index pages are
 * written once (each commit rewrites every page it touched, and a chat's rows are spread over
 * the unique index), small enough to hold SQLite's single write lock for ~0.1 s only.
 */
const PLAN_ROWS = 25_000;
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
 * A subscription's keyword filters let the item through (see KeywordFilter): no exclude
 * matches, and either it has no include or one matches. A term holds only a–z, 0–9 and single
 * spaces (text/match.ts), so `LIKE '% term %'` on the item's padded words matches whole words
 * and has no wildcard of a user's in it. Served by subscription_filters_pk; a subscription
 * without filters costs two index probes.
 */
export const FILTERS_ALLOW = sql<boolean>`(
  not exists (select 1 from subscription_filters f where f.subscription_id = s.id and f.include = 0
    and coalesce(i.match_text, '') like ('% ' || f.term || ' %'))
  and (not exists (select 1 from subscription_filters f where f.subscription_id = s.id and f.include = 1)
    or exists (select 1 from subscription_filters f where f.subscription_id = s.id and f.include = 1
      and coalesce(i.match_text, '') like ('% ' || f.term || ' %'))))`;

/**
 * A chat that takes only the bulletin gets no instant posts: its stories wait for the
 * bulletin, which reads them from the items (store/bulletins.ts). One probe of chat_settings' key.
 */
const WANTS_POSTS = sql<boolean>`not exists (select 1 from chat_settings cs
  where cs.chat_id = s.chat_id and cs.bulletin_mode = 'only')`;

/**
 * The planner's SQL: deliveries of these stored items to every subscription that wants their
 * feed, whose keyword filters let them through and that take instant posts, as INSERT … SELECT in the database (nothing read into memory), about PLAN_ROWS rows a
 * transaction.
 * The unique key (chat, topic, story) drops what a chat already has or had. Returns how many
 * rows are new.
 */
export async function planDeliveries(db: Kysely<Database>, itemRowIds: number[]): Promise<number> {
  let planned = 0;
  for (const ids of await chunksByFanOut(db, itemRowIds)) {
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
            .where(FILTERS_ALLOW)
            .where(WANTS_POSTS)
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
            .where(FILTERS_ALLOW)
            .where(WANTS_POSTS)
            .orderBy("i.id"),
        )
        .onConflict((oc) => oc.columns(["chat_id", "thread_id", "story_key"]).doNothing())
        .executeTakeFirst();
      return Number(all.numInsertedOrUpdatedRows ?? 0) + Number(some.numInsertedOrUpdatedRows ?? 0);
    });
  }
  return planned;
}

/**
 * The items cut into runs (in their order) whose deliveries number about PLAN_ROWS each, from
 * each feed's subscriber count (an upper bound: exclusions are not subtracted). Three small
 * reads: the items' feeds (primary key), the "all" subscriptions (subscriptions_all) and the
 * named ones per feed (subscription_feeds_feed, index only).
 */
async function chunksByFanOut(db: Kysely<Database>, itemRowIds: number[]): Promise<number[][]> {
  if (itemRowIds.length <= 1) return itemRowIds.length ? [itemRowIds] : [];
  const feedOf = new Map<number, string>();
  for (let i = 0; i < itemRowIds.length; i += 500) {
    const rows = await db
      .selectFrom("items")
      .select(["id", "feed"])
      .where("id", "in", itemRowIds.slice(i, i + 500))
      .execute();
    for (const r of rows) feedOf.set(r.id, r.feed);
  }
  const feeds = [...new Set(feedOf.values())];
  const all = await db
    .selectFrom("subscriptions")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("all_feeds", "=", 1)
    .executeTakeFirst();
  const named = new Map<string, number>();
  for (let i = 0; i < feeds.length; i += 500) {
    const rows = await db
      .selectFrom("subscription_feeds")
      .select((eb) => ["feed", eb.fn.countAll<number>().as("n")])
      .where("feed", "in", feeds.slice(i, i + 500))
      .groupBy("feed")
      .execute();
    for (const r of rows) named.set(r.feed, Number(r.n));
  }
  const base = Number(all?.n ?? 0);
  const out: number[][] = [];
  let run: number[] = [];
  let rows = 0;
  for (const id of itemRowIds) {
    const feed = feedOf.get(id);
    const fanOut = base + (feed === undefined ? 0 : (named.get(feed) ?? 0));
    // Also at most 500 items a run: an IN list stays far below SQLite's variable limit.
    if (run.length && (rows + fanOut > PLAN_ROWS || run.length >= 500)) {
      out.push(run);
      run = [];
      rows = 0;
    }
    run.push(id);
    rows += fanOut;
  }
  if (run.length) out.push(run);
  return out;
}
