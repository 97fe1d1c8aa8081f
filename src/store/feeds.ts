import type { Kysely, Selectable } from "kysely";
import { EVERY_MAX_MS, EVERY_MIN_MS, FeedNameTaken, type FeedOptions } from "../domain/feeds.js";
import { type FeedSource, type FeedState, newFeedState } from "../domain/types.js";
import { fold } from "../text/fold.js";
import { isUniqueViolation } from "./dialect.js";
import type { Database } from "./schema.js";

/**
 * The feeds being polled: the operator's FEEDS (trusted) plus those bot admins added with
 * /addfeed (untrusted: SSRF-guarded), minus those removed with /removefeed. The operator's
 * list comes from the environment at each start; what the bot changed lives in `feed_sources`.
 */
export interface FeedRegistry {
  all(): Promise<FeedSource[]>;
  find(name: string): Promise<FeedSource | undefined>;
  isTrusted(feed: FeedSource): boolean;
  /** Adds or updates a feed; throws FeedNameTaken when another feed's name folds the same. */
  add(feed: FeedSource, by?: number): Promise<void>;
  remove(name: string): Promise<boolean>;
}

export function createFeedRegistry(operatorFeeds: FeedSource[], db: Kysely<Database>): FeedRegistry {
  const trusted = new Set(operatorFeeds.map((f) => `${f.name}\u0000${f.url}`));
  // A small table (feeds added by hand), read whole on purpose.
  const all = async () => {
    const rows = await db
      .selectFrom("feed_sources")
      .select(["name", "url", "kind", "removed", "options"])
      .execute();
    const hidden = new Set(rows.filter((r) => r.removed).map((r) => r.name));
    const names = new Set<string>();
    const out: FeedSource[] = [];
    const added = rows
      .filter((r) => !r.removed)
      .map(
        (r): FeedSource => ({
          name: r.name,
          url: r.url,
          kind: r.kind as FeedSource["kind"],
          ...options(r.options),
        }),
      );
    for (const f of [...operatorFeeds, ...added]) {
      if (hidden.has(f.name) || names.has(f.name)) continue;
      names.add(f.name);
      out.push(f);
    }
    return out;
  };
  return {
    all,
    async find(name) {
      const list = await all();
      const lower = name.toLowerCase();
      // Exact name first, then as typed without diacritics or separators ("Hà Tĩnh" → hatinh).
      return list.find((f) => f.name === lower) ?? list.find((f) => fold(f.name) === fold(name));
    },
    isTrusted: (feed) => trusted.has(`${feed.name}\u0000${feed.url}`),
    async add(feed, by) {
      const key = fold(feed.name);
      // An operator feed is not in the table: its name is checked here (the list is fixed).
      const operator = operatorFeeds.find((f) => f.name !== feed.name && fold(f.name) === key);
      if (operator) throw new FeedNameTaken(operator.name);
      try {
        await db
          .insertInto("feed_sources")
          .values({
            name: feed.name,
            url: feed.url,
            kind: feed.kind,
            removed: 0,
            added_by: by ?? null,
            created_at: Date.now(),
            options: optionsJson(feed),
            name_key: key,
          })
          .onConflict((oc) =>
            oc.column("name").doUpdateSet({
              url: feed.url,
              kind: feed.kind,
              removed: 0,
              added_by: by ?? null,
              options: optionsJson(feed),
              name_key: key,
            }),
          )
          .execute();
      } catch (error) {
        // feed_sources_key: another admin's feed with a fold-equal name won the race.
        if (!isUniqueViolation(error)) throw error;
        const other = await db
          .selectFrom("feed_sources")
          .select("name")
          .where("name_key", "=", key)
          .where("removed", "=", 0)
          .executeTakeFirst();
        throw new FeedNameTaken(other?.name ?? feed.name);
      }
    },
    async remove(name) {
      if (!(await all()).some((f) => f.name === name)) return false;
      // A tombstone: an operator feed removed by a bot admin stays removed across restarts.
      await db
        .insertInto("feed_sources")
        .values({
          name,
          url: "",
          kind: "http",
          removed: 1,
          added_by: null,
          created_at: Date.now(),
          options: null,
        })
        .onConflict((oc) => oc.column("name").doUpdateSet({ removed: 1 }))
        .execute();
      return true;
    },
  };
}

function optionsJson(feed: FeedSource): string | null {
  const o = { article: feed.article, label: feed.label, everyMs: feed.everyMs };
  return o.article || o.label || o.everyMs ? JSON.stringify(o) : null;
}

function options(json: string | null): FeedOptions {
  if (!json) return {};
  try {
    const o = JSON.parse(json) as FeedOptions;
    return {
      ...(typeof o.everyMs === "number" && o.everyMs >= EVERY_MIN_MS && o.everyMs <= EVERY_MAX_MS
        ? { everyMs: o.everyMs }
        : {}),
      ...(o.article === "auto" || o.article === "always" || o.article === "never"
        ? { article: o.article }
        : {}),
      ...(typeof o.label === "string" && o.label ? { label: o.label } : {}),
    };
  } catch {
    return {};
  }
}

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
