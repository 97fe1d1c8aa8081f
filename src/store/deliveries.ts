import { type Kysely, sql } from "kysely";
import type { Delivery } from "../domain/types.js";
import { claimDeliveries } from "./claim.js";
import type { Dialect } from "./dialect.js";
import { planDeliveries } from "./plan.js";
import { cancelQueued } from "./queue.js";
import type { Database } from "./schema.js";

/**
 * The delivery queue and its ledger, one table: a row per (chat, topic, story) — a unique
 * key, so a story reaching a chat through two feeds, or planned twice after a crash, is one
 * row. Rows move pending → sent | dead | cancelled by conditional UPDATEs; a sender claims a
 * row (owner + expiry) before sending it, and the row that says "sent" is the ledger entry,
 * written with its counters in one transaction.
 */
export interface DeliveryRepo {
  /** Deliveries of these stored items to every subscription that wants their feed; returns how many are new. */
  plan(itemRowIds: number[]): Promise<number>;
  /** Due, unclaimed deliveries, oldest first, at most `perChat` for any one chat (so one busy chat cannot fill the window). */
  due(opts: { limit: number; perChat: number; now?: number }): Promise<Delivery[]>;
  /** When the next pending delivery falls due (epoch ms), if any. */
  nextDueAt(): Promise<number | undefined>;
  /**
   * Claims what is still pending and unclaimed (or whose claim expired, or that `owner` holds
   * already); returns the ids claimed. In the same transaction, rows whose chat no longer
   * wants their feed are cancelled instead (an /unsubscribe that committed while they were
   * being planned could not see them).
   */
  claim(ids: number[], owner: string, until: number, now?: number): Promise<number[]>;
  /** Extends this owner's claims (a send still in flight, a ledger write being retried). */
  renew(ids: number[], owner: string, until: number): Promise<void>;
  /** Not before `notBefore`, claim released, no attempt counted (quiet hours, a digest that was full). */
  postpone(ids: number[], notBefore: number): Promise<void>;
  /** Telegram accepted these: the ledger says so, with the message id, in one transaction with the counters. */
  complete(ids: number[], messageId: number | undefined, digest?: boolean): Promise<number>;
  /** Try again later: the claim is released. */
  retry(ids: number[], notBefore: number, error: string): Promise<void>;
  /** Given up for good: counted as dead letters. */
  deadLetter(ids: number[], error: string): Promise<number>;
  /** Cancels whatever is still queued for a chat (a topic of it, some feeds of it). */
  /** Deliveries sent since `at` (epoch ms), digests' rows included. */
  sentSince(at: number): Promise<number>;
  cancel(chatId: number, threadId?: number, feeds?: string[]): Promise<number>;
  /** Releases this owner's claims (a clean stop), so another sender need not wait for them to expire. */
  release(owner: string): Promise<void>;
  counts(): Promise<{ pending: number; dead: number; sent: number }>;
  /** Deletes ledger rows older than `olderThanMs` (the dedupe horizon). */
  purge(olderThanMs: number): Promise<number>;
}

/** The statuses of finished rows, as the deliveries_done partial index names them. */
const FINISHED = ["sent", "dead", "cancelled"];
const CHUNK = 500;

export function createDeliveryRepo(db: Kysely<Database>, dialect: Dialect): DeliveryRepo {
  return {
    plan: (itemRowIds) => planDeliveries(db, itemRowIds),

    async due({ limit, perChat, now = Date.now() }) {
      // The inner filter is the deliveries_due partial index; the window function only ranks
      // the due rows.
      const inner = db
        .selectFrom("deliveries")
        .select([
          "id",
          "chat_id",
          "thread_id",
          "item_id",
          "feed",
          "attempts",
          "not_before",
          "created_at",
          sql<number>`row_number() over (partition by chat_id order by id)`.as("rn"),
        ])
        .where("status", "=", "pending")
        .where("not_before", "<=", now)
        .where((eb) => eb.or([eb("claim_until", "is", null), eb("claim_until", "<", now)]));
      const rows = await db
        .selectFrom(inner.as("q"))
        .selectAll()
        .where("rn", "<=", perChat)
        .orderBy("id")
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        chatId: r.chat_id,
        threadId: r.thread_id,
        itemRowId: r.item_id,
        feed: r.feed,
        attempts: r.attempts,
        notBefore: r.not_before,
        createdAt: r.created_at,
      }));
    },

    async nextDueAt() {
      const row = await db
        .selectFrom("deliveries")
        .select((eb) => eb.fn.min("not_before").as("at"))
        .where("status", "=", "pending")
        .executeTakeFirst();
      return row?.at === null || row?.at === undefined ? undefined : Number(row.at);
    },

    claim: (ids, owner, until, now = Date.now()) => claimDeliveries(db, dialect, ids, owner, until, now),

    async renew(ids, owner, until) {
      if (ids.length === 0) return;
      await db
        .updateTable("deliveries")
        .set({ claim_until: until })
        .where("id", "in", ids)
        .where("status", "=", "pending")
        .where("claimed_by", "=", owner)
        .execute();
    },

    async postpone(ids, notBefore) {
      if (ids.length === 0) return;
      await db
        .updateTable("deliveries")
        .set({ not_before: notBefore, claimed_by: null, claim_until: null })
        .where("id", "in", ids)
        .where("status", "=", "pending")
        .execute();
    },

    async complete(ids, messageId, digest = false) {
      if (ids.length === 0) return 0;
      return db.transaction().execute(async (trx) => {
        const res = await trx
          .updateTable("deliveries")
          .set({
            status: "sent",
            done_at: Date.now(),
            message_id: messageId ?? null,
            digest: digest ? 1 : null,
            claimed_by: null,
            claim_until: null,
            error: null,
          })
          .where("id", "in", ids)
          .where("status", "=", "pending")
          .executeTakeFirst();
        const n = Number(res.numUpdatedRows);
        if (n) await bump(trx, "deliveries_sent", n);
        if (n && digest) await bump(trx, "digests_sent", 1);
        return n;
      });
    },

    async retry(ids, notBefore, error) {
      if (ids.length === 0) return;
      await db
        .updateTable("deliveries")
        .set((eb) => ({
          attempts: eb("attempts", "+", 1),
          not_before: notBefore,
          error: error.slice(0, 500),
          claimed_by: null,
          claim_until: null,
        }))
        .where("id", "in", ids)
        .where("status", "=", "pending")
        .execute();
    },

    async deadLetter(ids, error) {
      if (ids.length === 0) return 0;
      return db.transaction().execute(async (trx) => {
        const res = await trx
          .updateTable("deliveries")
          .set({
            status: "dead",
            done_at: Date.now(),
            error: error.slice(0, 500),
            claimed_by: null,
            claim_until: null,
          })
          .where("id", "in", ids)
          .where("status", "=", "pending")
          .executeTakeFirst();
        const n = Number(res.numUpdatedRows);
        if (n) await bump(trx, "deliveries_dead", n);
        return n;
      });
    },

    cancel: (chatId, threadId, feeds) => cancelQueued(db, chatId, threadId, feeds),

    async release(owner) {
      await db
        .updateTable("deliveries")
        .set({ claimed_by: null, claim_until: null })
        .where("status", "=", "pending")
        .where("claimed_by", "=", owner)
        .execute();
    },

    async sentSince(at) {
      // deliveries_done: (status, done_at).
      const r = await db
        .selectFrom("deliveries")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("status", "in", FINISHED)
        .where("status", "=", "sent")
        .where("done_at", ">=", at)
        .executeTakeFirst();
      return Number(r?.n ?? 0);
    },
    async counts() {
      // Pending through the deliveries_due partial index, dead through deliveries_done.
      const [pending, dead, sent] = await Promise.all([
        db
          .selectFrom("deliveries")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where("status", "=", "pending")
          .where("not_before", ">=", 0)
          .executeTakeFirst(),
        db
          .selectFrom("deliveries")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          // The index's own condition first (see deliveries_done), then the status counted.
          .where("status", "in", FINISHED)
          .where("status", "=", "dead")
          .executeTakeFirst(),
        db.selectFrom("meta").select("value").where("key", "=", "deliveries_sent").executeTakeFirst(),
      ]);
      return { pending: Number(pending?.n ?? 0), dead: Number(dead?.n ?? 0), sent: Number(sent?.value ?? 0) };
    },

    async purge(olderThanMs) {
      let total = 0;
      const cutoff = Date.now() - olderThanMs;
      // In bounded batches, so a large purge never holds the write lock for long.
      for (;;) {
        const ids = await db
          .selectFrom("deliveries")
          .select("id")
          // deliveries_done: finished rows only.
          .where("status", "in", FINISHED)
          .where("done_at", "<", cutoff)
          .limit(CHUNK)
          .execute();
        if (ids.length === 0) return total;
        const res = await db
          .deleteFrom("deliveries")
          .where(
            "id",
            "in",
            ids.map((r) => r.id),
          )
          .executeTakeFirst();
        total += Number(res.numDeletedRows);
      }
    },
  };
}

async function bump(db: Kysely<Database>, key: string, by: number): Promise<void> {
  await db
    .insertInto("meta")
    .values({ key, value: by })
    .onConflict((oc) => oc.column("key").doUpdateSet({ value: sql`meta.value + ${by}` }))
    .execute();
}
