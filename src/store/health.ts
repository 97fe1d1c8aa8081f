import type { Kysely, Selectable } from "kysely";
import type { Database } from "./schema.js";

/** A failing (or paused) feed, as the health check keeps it. */
export interface FeedHealth {
  name: string;
  failingSince: number;
  reason?: string | undefined;
  httpStatus?: number | undefined;
  alertedAt?: number | undefined;
  pausedAt?: number | undefined;
}

/**
 * Failing feeds: since when, whether the admins were told, whether the feed is paused. Every
 * change is one statement, the alert and the pause compare-and-swap (one instance tells the
 * admins, once), and the recovery a DELETE … RETURNING (one instance sees the row go).
 */
export interface FeedHealthRepo {
  all(): Promise<Map<string, FeedHealth>>;
  paused(): Promise<Set<string>>;
  /** The feed failed: kept with its first failure time (`since` when new) and the latest reason. */
  failing(name: string, since: number, reason: string, httpStatus?: number): Promise<FeedHealth>;
  /** True for the one caller that marks the feed's admins told. */
  markAlerted(name: string, at: number): Promise<boolean>;
  /** True for the one caller that pauses the feed. */
  markPaused(name: string, at: number): Promise<boolean>;
  /** The feed answered again: its row, if it had one (for the "recovered" note), is gone. */
  recovered(name: string): Promise<FeedHealth | undefined>;
  /** /resumefeed: no longer paused, and the time to the next pause starts again; false when it was not paused. */
  resume(name: string, at: number): Promise<boolean>;
}

function fromRow(r: Selectable<Database["feed_health"]>): FeedHealth {
  return {
    name: r.name,
    failingSince: Number(r.failing_since),
    reason: r.reason ?? undefined,
    httpStatus: r.http_status ?? undefined,
    alertedAt: r.alerted_at === null ? undefined : Number(r.alerted_at),
    pausedAt: r.paused_at === null ? undefined : Number(r.paused_at),
  };
}

export function createFeedHealthRepo(db: Kysely<Database>): FeedHealthRepo {
  return {
    async all() {
      const rows = await db.selectFrom("feed_health").selectAll().execute();
      return new Map(rows.map((r) => [r.name, fromRow(r)]));
    },
    async paused() {
      const rows = await db
        .selectFrom("feed_health")
        .select("name")
        .where("paused_at", "is not", null)
        .execute();
      return new Set(rows.map((r) => r.name));
    },
    async failing(name, since, reason, httpStatus) {
      const r = await db
        .insertInto("feed_health")
        .values({ name, failing_since: since, reason, http_status: httpStatus ?? null })
        .onConflict((oc) => oc.column("name").doUpdateSet({ reason, http_status: httpStatus ?? null }))
        .returningAll()
        .executeTakeFirstOrThrow();
      return fromRow(r);
    },
    async markAlerted(name, at) {
      const r = await db
        .updateTable("feed_health")
        .set({ alerted_at: at })
        .where("name", "=", name)
        .where("alerted_at", "is", null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async markPaused(name, at) {
      const r = await db
        .updateTable("feed_health")
        .set({ paused_at: at })
        .where("name", "=", name)
        .where("paused_at", "is", null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async recovered(name) {
      const r = await db.deleteFrom("feed_health").where("name", "=", name).returningAll().executeTakeFirst();
      return r ? fromRow(r) : undefined;
    },
    async resume(name, at) {
      const r = await db
        .updateTable("feed_health")
        .set({ paused_at: null, failing_since: at })
        .where("name", "=", name)
        .where("paused_at", "is not", null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
  };
}
