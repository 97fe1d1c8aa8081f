import type { Kysely, Selectable } from "kysely";
import { type FeedState, newFeedState } from "../domain/types.js";
import type { Database } from "./schema.js";

/** Each feed's reading state (validators, backoff, schedule, digests): one row per feed. */
export interface FeedStateRepo {
  get(name: string): Promise<FeedState | undefined>;
  getMany(names: string[]): Promise<Array<FeedState | undefined>>;
  save(state: FeedState): Promise<void>;
  /** Several feeds' states in one statement (a poll cycle's batch). */
  saveMany(states: FeedState[]): Promise<void>;
  delete(name: string): Promise<void>;
}

const iso = (ms: number | null) => (ms === null ? undefined : new Date(ms).toISOString());
const ms = (value: string | undefined) => (value ? Date.parse(value) : null);

function fromRow(r: Selectable<Database["feed_state"]>): FeedState {
  return {
    ...newFeedState(r.name, r.url),
    title: r.title ?? undefined,
    etag: r.etag ?? undefined,
    lastModified: r.last_modified ?? undefined,
    baselineDone: r.baseline_done === 1,
    failures: r.failures,
    skipUntilCycle: r.skip_until_cycle,
    notBefore: r.not_before ?? undefined,
    lastCheckedAt: iso(r.last_checked_at),
    lastSuccessAt: iso(r.last_success_at),
    lastErrorAt: iso(r.last_error_at),
    lastError: r.last_error ?? undefined,
    nextAttemptAt: iso(r.next_attempt_at),
    itemsKnown: r.items_known,
    itemsHeld: r.items_held,
    itemsRejected: r.items_rejected ?? undefined,
    entryDigests: r.entry_digests ? r.entry_digests.split(" ") : undefined,
    nextReadAt: r.next_read_at ?? undefined,
    readEveryMs: r.read_every_ms ?? undefined,
    recentPublished: r.recent_published
      ? r.recent_published
          .split(" ")
          .map(Number)
          .filter((n) => Number.isFinite(n))
      : undefined,
    movedTo: r.moved_to ?? undefined,
    movedReads: r.moved_reads ?? undefined,
  };
}

function toRow(s: FeedState) {
  return {
    name: s.name,
    url: s.url,
    title: s.title?.replaceAll("\u0000", "") ?? null,
    etag: s.etag ?? null,
    last_modified: s.lastModified ?? null,
    baseline_done: s.baselineDone ? 1 : 0,
    failures: s.failures,
    skip_until_cycle: s.skipUntilCycle,
    not_before: s.notBefore ?? null,
    last_checked_at: ms(s.lastCheckedAt),
    last_success_at: ms(s.lastSuccessAt),
    last_error_at: ms(s.lastErrorAt),
    last_error: s.lastError?.replaceAll("\u0000", "").slice(0, 1000) ?? null,
    next_attempt_at: ms(s.nextAttemptAt),
    items_known: s.itemsKnown,
    items_held: s.itemsHeld,
    entry_digests: s.entryDigests?.length ? s.entryDigests.join(" ") : null,
    items_rejected: s.itemsRejected ?? null,
    next_read_at: s.nextReadAt ?? null,
    read_every_ms: s.readEveryMs ?? null,
    recent_published: s.recentPublished?.length ? s.recentPublished.join(" ") : null,
    moved_to: s.movedTo ?? null,
    moved_reads: s.movedReads ?? null,
  };
}

const STATE_COLUMNS = [
  "url",
  "title",
  "etag",
  "last_modified",
  "baseline_done",
  "failures",
  "skip_until_cycle",
  "not_before",
  "last_checked_at",
  "last_success_at",
  "last_error_at",
  "last_error",
  "next_attempt_at",
  "items_known",
  "items_held",
  "entry_digests",
  "items_rejected",
  "next_read_at",
  "read_every_ms",
  "recent_published",
  "moved_to",
  "moved_reads",
] as const;

export function createFeedStateRepo(db: Kysely<Database>): FeedStateRepo {
  async function saveMany(states: FeedState[]): Promise<void> {
    // One row per feed (the last state wins), 100 rows a statement.
    const rows = [...new Map(states.map((st) => [st.name, toRow(st)])).values()];
    for (let i = 0; i < rows.length; i += 100) {
      await db
        .insertInto("feed_state")
        .values(rows.slice(i, i + 100))
        .onConflict((oc) =>
          oc
            .column("name")
            .doUpdateSet((eb) => Object.fromEntries(STATE_COLUMNS.map((c) => [c, eb.ref(`excluded.${c}`)]))),
        )
        .execute();
    }
  }
  return {
    async get(name) {
      const row = await db.selectFrom("feed_state").selectAll().where("name", "=", name).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },
    async getMany(names) {
      if (names.length === 0) return [];
      const rows = await db.selectFrom("feed_state").selectAll().where("name", "in", names).execute();
      const byName = new Map(rows.map((r) => [r.name, fromRow(r)]));
      return names.map((n) => byName.get(n));
    },
    async save(s) {
      await saveMany([s]);
    },
    saveMany,
    async delete(name) {
      await db.deleteFrom("feed_state").where("name", "=", name).execute();
    },
  };
}
