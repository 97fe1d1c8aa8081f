import type { Kysely } from "kysely";
import { EVERY_MAX_MS, EVERY_MIN_MS, FeedNameTaken, type FeedOptions } from "../domain/feeds.js";
import type { FeedSource } from "../domain/types.js";
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
  add(feed: FeedSource, by?: number, opts?: { onlyNew?: boolean }): Promise<void>;
  remove(name: string): Promise<boolean>;
  /**
   * The feed moved for good (permanent redirects, read after read): it is read at `to` from
   * now on, under the same name. An operator feed keeps its trust; if FEEDS later names it at
   * another address, FEEDS wins again.
   */
  move(feed: FeedSource, to: string): Promise<void>;
}

export function createFeedRegistry(operatorFeeds: FeedSource[], db: Kysely<Database>): FeedRegistry {
  const trusted = new Set(operatorFeeds.map((f) => `${f.name}\u0000${f.url}`));
  /** Operator feeds read at the address they moved to (see move), as last listed. */
  let movedTrusted = new Set<string>();
  // A small table (feeds added by hand), read whole on purpose.
  const all = async () => {
    const rows = await db
      .selectFrom("feed_sources")
      .select(["name", "url", "kind", "removed", "options"])
      .execute();
    const hidden = new Set(rows.filter((r) => r.removed).map((r) => r.name));
    // An operator feed that moved: a row of its name remembering the FEEDS address it replaces.
    const moves = new Map<string, { url: string; trusted: boolean }>();
    for (const r of rows) {
      const from = !r.removed && r.options ? movedFrom(r.options) : undefined;
      if (from) moves.set(`${r.name}\u0000${from.url}`, { url: r.url, trusted: from.trusted });
    }
    const nowTrusted = new Set<string>();
    const operator = operatorFeeds.map((f) => {
      const to = moves.get(`${f.name}\u0000${f.url}`);
      if (!to) return f;
      if (to.trusted) nowTrusted.add(`${f.name}\u0000${to.url}`);
      return { ...f, url: to.url };
    });
    movedTrusted = nowTrusted;
    const names = new Set<string>();
    const out: FeedSource[] = [];
    const added = rows
      .filter((r) => !r.removed && !(r.options && movedFrom(r.options)))
      .map(
        (r): FeedSource => ({
          name: r.name,
          url: r.url,
          kind: r.kind as FeedSource["kind"],
          ...options(r.options),
        }),
      );
    for (const f of [...operator, ...added]) {
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
    isTrusted: (feed) =>
      trusted.has(`${feed.name}\u0000${feed.url}`) || movedTrusted.has(`${feed.name}\u0000${feed.url}`),
    async move(feed, to) {
      const original = operatorFeeds.find((f) => f.name === feed.name);
      if (!original) {
        await db.updateTable("feed_sources").set({ url: to }).where("name", "=", feed.name).execute();
        return;
      }
      // Trust follows the operator's word only on the host they named (http → https, a new
      // path); a feed moved elsewhere is read through the SSRF guard like one added in a chat.
      const keepTrust = hostOf(original.url) !== undefined && hostOf(original.url) === hostOf(to);
      const options = JSON.stringify({
        ...JSON.parse(optionsJson(feed) ?? "{}"),
        movedFrom: original.url,
        trusted: keepTrust,
      });
      await db
        .insertInto("feed_sources")
        .values({
          name: feed.name,
          url: to,
          kind: "http",
          removed: 0,
          added_by: null,
          created_at: Date.now(),
          options,
          name_key: fold(feed.name),
        })
        .onConflict((oc) =>
          oc.column("name").doUpdateSet({ url: to, options }).where("feed_sources.removed", "=", 0),
        )
        .execute();
      if (keepTrust) movedTrusted.add(`${feed.name}\u0000${to}`);
    },
    async add(feed, by, opts = {}) {
      const key = fold(feed.name);
      // An operator feed is not in the table: its name is checked here (the list is fixed).
      const operator = operatorFeeds.find(
        (f) => (opts.onlyNew || f.name !== feed.name) && fold(f.name) === key,
      );
      if (operator) throw new FeedNameTaken(operator.name);
      try {
        const r = await db
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
          .onConflict((oc) => {
            const update = oc.column("name").doUpdateSet({
              url: feed.url,
              kind: feed.kind,
              removed: 0,
              added_by: by ?? null,
              options: optionsJson(feed),
              name_key: key,
            });
            // onlyNew (an import): only a removed feed's tombstone is taken over, in the same
            // statement, so two imports never overwrite each other's feed of that name.
            return opts.onlyNew ? update.where("feed_sources.removed", "=", 1) : update;
          })
          .executeTakeFirst();
        if (opts.onlyNew && Number(r.numInsertedOrUpdatedRows ?? 0) === 0) throw new FeedNameTaken(feed.name);
      } catch (error) {
        if (error instanceof FeedNameTaken) throw error;
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
      // Its health goes with it: re-added (at a corrected address), it starts with a clean slate.
      await db.deleteFrom("feed_health").where("name", "=", name).execute();
      return true;
    },
  };
}

/** The FEEDS address an operator feed's row replaces (it moved), if it is such a row. */
function movedFrom(json: string): { url: string; trusted: boolean } | undefined {
  try {
    const o = JSON.parse(json) as { movedFrom?: unknown; trusted?: unknown };
    return typeof o.movedFrom === "string" ? { url: o.movedFrom, trusted: o.trusted === true } : undefined;
  } catch {
    return undefined;
  }
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
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

export { createFeedStateRepo, type FeedStateRepo } from "./feed-states.js";
