import type { Kysely, Transaction } from "kysely";
import type { Subscription } from "../domain/types.js";
import { cancelQueued } from "./queue.js";
import type { Database } from "./schema.js";

/** Where posts go: a chat, or one forum topic of it. */
export interface Target {
  chatId: number;
  threadId?: number | undefined;
}

export interface TargetInfo extends Target {
  chatType: string;
  title?: string | undefined;
  createdBy?: number | undefined;
}

export interface UnsubscribeResult {
  /** The target had a subscription before. */
  existed: boolean;
  /** What is left of it (undefined: nothing, it was removed). */
  remaining?: Subscription | undefined;
}

/**
 * Subscriptions, changed only by atomic statements inside one transaction each (a row per
 * feed, upserts, conditional deletes), never read-modify-write in application code: two
 * admins, or two instances, changing one chat at once cannot lose each other's change.
 * Whatever a change stops, its queued deliveries are cancelled in the same transaction.
 */
export interface SubscriptionRepo {
  get(chatId: number, threadId?: number): Promise<Subscription | undefined>;
  forChat(chatId: number): Promise<Subscription[]>;
  /** Adds feeds (or "all": every feed, also those added later) to the target's subscription. */
  subscribe(target: TargetInfo, feeds: string[] | "all"): Promise<Subscription>;
  /** Stops feeds (or everything); on an "all" subscription, stopping X means "all except X". */
  unsubscribe(target: Target, feeds: string[] | "all"): Promise<UnsubscribeResult>;
  /** Removes every subscription of a chat (kicked, blocked, deleted); returns how many. */
  removeChat(chatId: number): Promise<number>;
  /** A group became a supergroup: its subscriptions and queued deliveries follow it. */
  moveChat(from: number, to: number): Promise<void>;
  counts(): Promise<{ subscriptions: number; chats: number }>;
  /** The channels this person subscribed through the bot, with what each receives. */
  channelsOf(userId: number): Promise<Subscription[]>;
}

type Db = Kysely<Database> | Transaction<Database>;

async function load(db: Db, chatId: number, threadId?: number): Promise<Subscription[]> {
  let q = db.selectFrom("subscriptions").selectAll().where("chat_id", "=", chatId);
  if (threadId !== undefined) q = q.where("thread_id", "=", threadId);
  const subs = await q.orderBy("thread_id").execute();
  if (subs.length === 0) return [];
  const feeds = await db
    .selectFrom("subscription_feeds")
    .select(["subscription_id", "feed", "excluded"])
    .where(
      "subscription_id",
      "in",
      subs.map((s) => s.id),
    )
    .orderBy("feed")
    .execute();
  return subs.map((s) => {
    const mine = feeds.filter((f) => f.subscription_id === s.id);
    const all = s.all_feeds === 1;
    const except = mine.filter((f) => f.excluded === 1).map((f) => f.feed);
    return {
      chatId: s.chat_id,
      ...(s.thread_id ? { threadId: s.thread_id } : {}),
      feeds: all ? "all" : mine.filter((f) => f.excluded === 0).map((f) => f.feed),
      ...(all && except.length ? { except } : {}),
      chatType: s.chat_type,
      title: s.title ?? undefined,
      createdBy: s.created_by ?? undefined,
      createdAt: new Date(s.created_at).toISOString(),
    };
  });
}

/**
 * Deletes a chat's subscriptions (one topic of it, or all); their feed rows go with them
 * (ON DELETE CASCADE on both backends). Returns how many.
 */
async function dropSubscriptions(db: Db, chatId: number, threadId?: number): Promise<number> {
  let q = db.deleteFrom("subscriptions").where("chat_id", "=", chatId);
  if (threadId !== undefined) q = q.where("thread_id", "=", threadId);
  return (await q.returning("id").execute()).length;
}

export function createSubscriptionRepo(db: Kysely<Database>): SubscriptionRepo {
  return {
    async get(chatId, threadId) {
      return (await load(db, chatId, threadId ?? 0))[0];
    },
    forChat: (chatId) => load(db, chatId),
    subscribe(target, feeds) {
      const threadId = target.threadId ?? 0;
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto("subscriptions")
          .values({
            chat_id: target.chatId,
            thread_id: threadId,
            all_feeds: feeds === "all" ? 1 : 0,
            chat_type: target.chatType,
            title: target.title ?? null,
            created_by: target.createdBy ?? null,
            created_at: Date.now(),
          })
          .onConflict((oc) =>
            oc.columns(["chat_id", "thread_id"]).doUpdateSet((eb) => ({
              chat_type: target.chatType,
              title: target.title ?? eb.ref("subscriptions.title"),
              all_feeds: feeds === "all" ? 1 : eb.ref("subscriptions.all_feeds"),
            })),
          )
          .returning(["id", "all_feeds"])
          .executeTakeFirstOrThrow();
        if (feeds === "all") {
          // Everything, exclusions included, is wanted again.
          await trx.deleteFrom("subscription_feeds").where("subscription_id", "=", row.id).execute();
        } else if (row.all_feeds === 1) {
          // "all except X" and X asked for again: X is no longer excluded.
          await trx
            .deleteFrom("subscription_feeds")
            .where("subscription_id", "=", row.id)
            .where("feed", "in", feeds)
            .execute();
        } else if (feeds.length) {
          await trx
            .insertInto("subscription_feeds")
            .values(feeds.map((feed) => ({ subscription_id: row.id, feed, excluded: 0 })))
            .onConflict((oc) => oc.columns(["subscription_id", "feed"]).doNothing())
            .execute();
        }
        const [sub] = await load(trx, target.chatId, threadId);
        if (!sub) throw new Error("subscription vanished inside its own transaction");
        return sub;
      });
    },
    unsubscribe(target, feeds) {
      const threadId = target.threadId ?? 0;
      return db.transaction().execute(async (trx): Promise<UnsubscribeResult> => {
        if (feeds === "all") {
          const dropped = await dropSubscriptions(trx, target.chatId, threadId);
          await cancelQueued(trx, target.chatId, threadId);
          return { existed: dropped > 0 };
        }
        const row = await trx
          .selectFrom("subscriptions")
          .select(["id", "all_feeds"])
          .where("chat_id", "=", target.chatId)
          .where("thread_id", "=", threadId)
          .executeTakeFirst();
        if (!row) return { existed: false };
        if (row.all_feeds === 1) {
          await trx
            .insertInto("subscription_feeds")
            .values(feeds.map((feed) => ({ subscription_id: row.id, feed, excluded: 1 })))
            .onConflict((oc) => oc.columns(["subscription_id", "feed"]).doUpdateSet({ excluded: 1 }))
            .execute();
        } else {
          await trx
            .deleteFrom("subscription_feeds")
            .where("subscription_id", "=", row.id)
            .where("feed", "in", feeds)
            .execute();
          // Nothing left: the subscription goes (one conditional statement, no read first).
          await trx
            .deleteFrom("subscriptions")
            .where("id", "=", row.id)
            .where(({ not, exists, selectFrom }) =>
              not(
                exists(selectFrom("subscription_feeds").select("feed").where("subscription_id", "=", row.id)),
              ),
            )
            .execute();
        }
        await cancelQueued(trx, target.chatId, threadId, feeds);
        const [remaining] = await load(trx, target.chatId, threadId);
        return { existed: true, remaining };
      });
    },
    removeChat(chatId) {
      return db.transaction().execute(async (trx) => {
        const dropped = await dropSubscriptions(trx, chatId);
        await cancelQueued(trx, chatId);
        return dropped;
      });
    },
    async moveChat(from, to) {
      await db.transaction().execute(async (trx) => {
        // Topics the new chat already has keep theirs; the old chat's copies go.
        await trx
          .updateTable("subscriptions")
          .set({ chat_id: to, chat_type: "supergroup" })
          .where("chat_id", "=", from)
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom("subscriptions as s2")
                  .select("s2.id")
                  .where("s2.chat_id", "=", to)
                  .whereRef("s2.thread_id", "=", "subscriptions.thread_id"),
              ),
            ),
          )
          .execute();
        await dropSubscriptions(trx, from);
        // Queued deliveries follow, unless the new chat already has the same story. The ledger
        // follows too, without its message ids: they were the old group's, and a supergroup
        // numbers its messages anew (a correction must not edit another message there).
        await trx
          .updateTable("deliveries")
          .set({ chat_id: to, message_id: null })
          .where("chat_id", "=", from)
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom("deliveries as d2")
                  .select("d2.id")
                  .where("d2.chat_id", "=", to)
                  .whereRef("d2.thread_id", "=", "deliveries.thread_id")
                  .whereRef("d2.story_key", "=", "deliveries.story_key"),
              ),
            ),
          )
          .execute();
        await cancelQueued(trx, from);
        // The bulletins already sent follow, so the group's current slot is not sent again.
        await trx
          .updateTable("bulletins")
          .set({ chat_id: to, message_id: null })
          .where("chat_id", "=", from)
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom("bulletins as b2")
                  .select("b2.slot_at")
                  .where("b2.chat_id", "=", to)
                  .whereRef("b2.thread_id", "=", "bulletins.thread_id")
                  .whereRef("b2.slot_at", "=", "bulletins.slot_at"),
              ),
            ),
          )
          .execute();
      });
    },
    async channelsOf(userId) {
      const rows = await db
        .selectFrom("subscriptions")
        .select("chat_id")
        .where("chat_type", "=", "channel")
        .where("created_by", "=", userId)
        .orderBy("chat_id")
        .limit(50)
        .execute();
      const out: Subscription[] = [];
      for (const r of rows) out.push(...(await load(db, Number(r.chat_id))));
      return out;
    },
    async counts() {
      const row = await db
        .selectFrom("subscriptions")
        .select((eb) => [
          eb.fn.countAll<number>().as("subscriptions"),
          eb.fn.count<number>("chat_id").distinct().as("chats"),
        ])
        .executeTakeFirst();
      return { subscriptions: Number(row?.subscriptions ?? 0), chats: Number(row?.chats ?? 0) };
    },
  };
}
