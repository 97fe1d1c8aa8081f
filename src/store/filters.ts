import type { Kysely, Transaction } from "kysely";
import { type KeywordFilter, MAX_FILTERS } from "../domain/types.js";
import { type Dialect, lockRow } from "./dialect.js";
import type { Database } from "./schema.js";
import type { Target } from "./subscriptions.js";

export type AddFiltersResult =
  | { ok: true; filters: KeywordFilter[] }
  | { ok: false; reason: "no-subscription" | "too-many"; filters: KeywordFilter[] };

/**
 * Keyword filters of a subscription (chat or forum topic). An add is one transaction that
 * first locks the subscription (its row on PostgreSQL; the write lock SQLite's transactions
 * take when they begin), so the bound on their number holds when two admins add at once.
 */
export interface FilterRepo {
  list(target: Target): Promise<KeywordFilter[]>;
  /** Adds filters (a term already there takes the new sign); nothing is saved past MAX_FILTERS. */
  add(target: Target, filters: KeywordFilter[]): Promise<AddFiltersResult>;
  /** Removes one term; false when it was not there. */
  remove(target: Target, term: string): Promise<boolean>;
  /** Removes every filter of the target; returns how many. */
  clear(target: Target): Promise<number>;
}

type Db = Kysely<Database> | Transaction<Database>;

async function listOf(db: Db, subscriptionId: number): Promise<KeywordFilter[]> {
  const rows = await db
    .selectFrom("subscription_filters")
    .select(["term", "label", "include"])
    .where("subscription_id", "=", subscriptionId)
    .orderBy("include", "desc")
    .orderBy("created_at")
    .orderBy("term")
    .execute();
  return rows.map((r) => ({ term: r.term, label: r.label, include: r.include === 1 }));
}

export function createFilterRepo(db: Kysely<Database>, backend: Dialect): FilterRepo {
  const subscriptionId = async (trx: Db, target: Target, lock = false) => {
    let q = trx
      .selectFrom("subscriptions")
      .select("id")
      .where("chat_id", "=", target.chatId)
      .where("thread_id", "=", target.threadId ?? 0);
    if (lock) q = lockRow(backend, q);
    return (await q.executeTakeFirst())?.id;
  };
  return {
    async list(target) {
      const id = await subscriptionId(db, target);
      return id === undefined ? [] : listOf(db, id);
    },
    add(target, filters) {
      return db.transaction().execute(async (trx): Promise<AddFiltersResult> => {
        const id = await subscriptionId(trx, target, true);
        if (id === undefined) return { ok: false, reason: "no-subscription", filters: [] };
        // Counted under the lock taken above: no other add runs between this read and the write.
        const before = await listOf(trx, id);
        const unique = [...new Map(filters.map((f) => [f.term, f])).values()];
        const terms = new Set([...before.map((f) => f.term), ...unique.map((f) => f.term)]);
        if (terms.size > MAX_FILTERS) return { ok: false, reason: "too-many", filters: before };
        if (unique.length) {
          const now = Date.now();
          await trx
            .insertInto("subscription_filters")
            .values(
              unique.map((f, k) => ({
                subscription_id: id,
                term: f.term,
                label: f.label,
                include: f.include ? 1 : 0,
                created_at: now + k,
              })),
            )
            .onConflict((oc) =>
              oc.columns(["subscription_id", "term"]).doUpdateSet((eb) => ({
                include: eb.ref("excluded.include"),
                label: eb.ref("excluded.label"),
              })),
            )
            .execute();
        }
        return { ok: true, filters: await listOf(trx, id) };
      });
    },
    async remove(target, term) {
      const id = await subscriptionId(db, target);
      if (id === undefined) return false;
      const rows = await db
        .deleteFrom("subscription_filters")
        .where("subscription_id", "=", id)
        .where("term", "=", term)
        .returning("term")
        .execute();
      return rows.length > 0;
    },
    async clear(target) {
      const id = await subscriptionId(db, target);
      if (id === undefined) return 0;
      const rows = await db
        .deleteFrom("subscription_filters")
        .where("subscription_id", "=", id)
        .returning("term")
        .execute();
      return rows.length;
    },
  };
}
