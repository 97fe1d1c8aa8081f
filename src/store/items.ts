import type { Kysely, Selectable } from "kysely";
import { type FeedItem, publishedMs, type StoredItem, storyKey } from "../domain/types.js";
import { matchText } from "../text/match.js";
import type { Database } from "./schema.js";

/** Stored articles: written once per (feed, item id), read by /latest and by the sender. */
export interface ItemsRepo {
  /** Stores new items (an item already stored is updated in place); returns their row ids. */
  store(items: FeedItem[]): Promise<StoredItem[]>;
  /** The newest `limit` items of these feeds (all feeds when undefined), one per story. */
  recent(feeds: string[] | undefined, limit: number): Promise<FeedItem[]>;
  byIds(ids: number[]): Promise<Map<number, FeedItem>>;
  count(feed: string): Promise<number>;
  /** Items first stored since `at` (epoch ms), by items_created. */
  countSince(at: number): Promise<number>;
  /** Items stored per feed, for several feeds in one query (items_feed_published). */
  countMany(feeds: string[]): Promise<Map<string, number>>;
  /**
   * Deletes a feed's items beyond its newest `keep` that were stored before `storedBefore`.
   * The caller passes a time older than any delivery can stay queued (RETRY_MAX_HOURS), so no
   * pending delivery loses its item, without an index on deliveries.item_id that every planned
   * row would pay for.
   */
  prune(feed: string, keep: number, storedBefore: number): Promise<number>;
}

type Row = Selectable<Database["items"]>;

/** The columns a FeedItem is read from. */
export type ItemRow = Pick<
  Row,
  | "item_key"
  | "feed"
  | "title"
  | "link"
  | "text"
  | "image"
  | "published"
  | "categories"
  | "author"
  | "source"
  | "summary"
>;

export function toItem(r: ItemRow): FeedItem {
  return {
    id: r.item_key,
    feed: r.feed,
    title: r.title,
    link: r.link ?? undefined,
    text: r.text,
    image: r.image ?? undefined,
    published: r.published ?? undefined,
    categories: JSON.parse(r.categories) as string[],
    author: r.author ?? undefined,
    source: r.source ?? undefined,
    ...(r.summary ? { summary: r.summary } : {}),
  };
}

const CHUNK = 200;

/** PostgreSQL's text cannot hold U+0000 (SQLite can); a feed's stray NUL must not fail a store. */
const noNul = (s: string) => (s.includes("\u0000") ? s.replaceAll("\u0000", "") : s);
const noNulOrNull = (s: string | undefined) => (s === undefined ? null : noNul(s));

export function createItemsRepo(db: Kysely<Database>): ItemsRepo {
  return {
    async store(items) {
      const out: StoredItem[] = [];
      const now = Date.now();
      // One row per (feed, id) even if the feed lists an item twice.
      const unique = [...new Map(items.map((it) => [`${it.feed}\u0000${it.id}`, it])).values()];
      for (let i = 0; i < unique.length; i += CHUNK) {
        const batch = unique.slice(i, i + CHUNK);
        const rows = await db
          .insertInto("items")
          .values(
            batch.map((it) => ({
              feed: it.feed,
              item_key: noNul(it.id),
              story_key: noNul(storyKey(it)),
              title: noNul(it.title),
              link: noNulOrNull(it.link),
              text: noNul(it.text),
              image: noNulOrNull(it.image),
              published: noNulOrNull(it.published),
              published_at: publishedMs(it),
              categories: noNul(JSON.stringify(it.categories)),
              author: noNulOrNull(it.author),
              source: noNulOrNull(it.source),
              created_at: now,
              summary: noNulOrNull(it.summary),
              match_text: matchText(it.title, it.text, it.summary),
            })),
          )
          // Re-stored after a crash before the items were marked seen: same row, fresher text.
          .onConflict((oc) =>
            oc.columns(["feed", "item_key"]).doUpdateSet((eb) => ({
              title: eb.ref("excluded.title"),
              text: eb.ref("excluded.text"),
              image: eb.ref("excluded.image"),
              match_text: eb.ref("excluded.match_text"),
            })),
          )
          .returning(["id", "feed", "item_key"])
          .execute();
        const byKey = new Map(rows.map((r) => [`${r.feed}\u0000${r.item_key}`, r.id]));
        for (const it of batch) {
          const rowId = byKey.get(`${it.feed}\u0000${noNul(it.id)}`);
          if (rowId !== undefined) out.push({ rowId, item: it });
        }
      }
      return out;
    },
    async recent(feeds, limit) {
      if (feeds && feeds.length === 0) return [];
      // Served by items_feed_published (some feeds) or items_published (all feeds).
      let q = db
        .selectFrom("items")
        .select([
          "item_key",
          "feed",
          "story_key",
          "title",
          "link",
          "text",
          "image",
          "published",
          "categories",
          "author",
          "source",
          "summary",
        ])
        .orderBy("published_at", "desc")
        .orderBy("id", "desc")
        .limit(limit * 3);
      if (feeds) q = q.where("feed", "in", feeds);
      const rows = await q.execute();
      const stories = new Set<string>();
      const out: FeedItem[] = [];
      for (const r of rows) {
        if (stories.has(r.story_key)) continue;
        stories.add(r.story_key);
        out.push(toItem(r));
        if (out.length >= limit) break;
      }
      return out;
    },
    async byIds(ids) {
      const out = new Map<number, FeedItem>();
      for (let i = 0; i < ids.length; i += CHUNK) {
        const rows = await db
          .selectFrom("items")
          .selectAll()
          .where("id", "in", ids.slice(i, i + CHUNK))
          .execute();
        for (const r of rows) out.set(r.id, toItem(r));
      }
      return out;
    },
    async countSince(at) {
      const r = await db
        .selectFrom("items")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("created_at", ">=", at)
        .executeTakeFirst();
      return Number(r?.n ?? 0);
    },
    async count(feed) {
      const row = await db
        .selectFrom("items")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("feed", "=", feed)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    async countMany(feeds) {
      const out = new Map<string, number>(feeds.map((f) => [f, 0]));
      for (let i = 0; i < feeds.length; i += CHUNK) {
        const rows = await db
          .selectFrom("items")
          .select((eb) => ["feed", eb.fn.countAll<number>().as("n")])
          .where("feed", "in", feeds.slice(i, i + CHUNK))
          .groupBy("feed")
          .execute();
        for (const r of rows) out.set(r.feed, Number(r.n));
      }
      return out;
    },
    async prune(feed, keep, storedBefore) {
      // The keep-th newest row of the feed, by items_feed_published.
      const edge = await db
        .selectFrom("items")
        .select(["published_at", "id"])
        .where("feed", "=", feed)
        .orderBy("published_at", "desc")
        .orderBy("id", "desc")
        .offset(keep - 1)
        .limit(1)
        .executeTakeFirst();
      if (!edge) return 0;
      const res = await db
        .deleteFrom("items")
        .where("feed", "=", feed)
        .where((eb) =>
          eb.or([
            eb("published_at", "<", edge.published_at),
            eb.and([eb("published_at", "=", edge.published_at), eb("id", "<", edge.id)]),
          ]),
        )
        .where("created_at", "<", storedBefore)
        .executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
