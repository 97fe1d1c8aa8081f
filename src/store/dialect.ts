import { type CreateTableBuilder, type Kysely, type Selectable, sql } from "kysely";
import type { ItemRow } from "./items.js";
import type { Database } from "./schema.js";

/**
 * The only place that knows SQLite from PostgreSQL: the id column type and row locking for
 * claims. Everything else is one Kysely query for both.
 */
export type Dialect = "sqlite" | "postgres";

/** An auto-incrementing integer primary key named `id`. */
export function autoId<T extends string>(dialect: Dialect, table: CreateTableBuilder<T, never>) {
  return dialect === "postgres"
    ? table.addColumn("id", "bigserial", (c) => c.primaryKey())
    : table.addColumn("id", "integer", (c) => c.primaryKey().autoIncrement());
}

/**
 * Ids of claimable deliveries, for `UPDATE … WHERE id IN (this)`. On PostgreSQL the rows are
 * locked with SKIP LOCKED so two instances claiming at once take different rows instead of
 * waiting on each other; SQLite has one writer at a time, so the UPDATE itself is atomic.
 */
export function claimableIds(
  dialect: Dialect,
  db: Kysely<Database>,
  ids: readonly number[],
  owner: string,
  now: number,
) {
  const base = db
    .selectFrom("deliveries")
    .select("id")
    .where("id", "in", ids)
    .where("status", "=", "pending")
    .where((eb) =>
      eb.or([eb("claim_until", "is", null), eb("claim_until", "<", now), eb("claimed_by", "=", owner)]),
    );
  return dialect === "postgres" ? base.modifyEnd(sql`for update skip locked`) : base;
}

/** An item row as /search reads it: what a post needs, and the folded words to rank on. */
export type SearchRow = ItemRow & { id: number } & Pick<
    Selectable<Database["items"]>,
    "story_key" | "match_text"
  >;

/**
 * The newest `limit` items of these feeds whose folded words hold every one of `words` (each
 * only a–z and 0–9: see text/match.ts), through the full-text index: FTS5 on SQLite (a quoted
 * string per word, so none is an operator), the 'simple' tsvector on PostgreSQL.
 */
export async function searchRows(
  dialect: Dialect,
  db: Kysely<Database>,
  words: string[],
  feeds: string[],
  limit: number,
): Promise<SearchRow[]> {
  if (words.length === 0 || feeds.length === 0) return [];
  const columns = sql.raw(
    "i.id, i.item_key, i.feed, i.story_key, i.title, i.link, i.text, i.image, i.published, i.categories, i.author, i.source, i.summary, i.match_text",
  );
  const inFeeds = sql.join(feeds);
  const query =
    dialect === "postgres"
      ? sql<SearchRow>`select ${columns} from items i
          where to_tsvector('simple', coalesce(i.match_text, '')) @@ plainto_tsquery('simple', ${words.join(" ")})
            and i.feed in (${inFeeds})
          order by i.published_at desc, i.id desc limit ${limit}`
      : sql<SearchRow>`select ${columns} from items_fts join items i on i.id = items_fts.rowid
          where items_fts match ${words.map((w) => `"${w}"`).join(" ")}
            and i.feed in (${inFeeds})
          order by i.published_at desc, i.id desc limit ${limit}`;
  const rows = (await query.execute(db)).rows;
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/** Reads the subscription row of a target under a lock for the rest of the transaction. */
export function lockRow<Q extends { forUpdate(): Q }>(dialect: Dialect, query: Q): Q {
  // SQLite's transactions hold the write lock from their start (db.ts); PostgreSQL locks the row.
  return dialect === "postgres" ? query.forUpdate() : query;
}

/** A unique constraint refused the row (SQLite's SQLITE_CONSTRAINT_UNIQUE, PostgreSQL's 23505). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  return (
    e?.code === "23505" ||
    e?.code === "SQLITE_CONSTRAINT_UNIQUE" ||
    (typeof e?.message === "string" && /UNIQUE constraint failed/.test(e.message))
  );
}
