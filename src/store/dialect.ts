import { type CreateTableBuilder, type Kysely, sql } from "kysely";
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
