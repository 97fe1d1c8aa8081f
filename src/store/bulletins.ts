import { type Kysely, sql } from "kysely";
import { BULLETIN_MAX_PERIOD_MS } from "../domain/bulletin.js";
import type { ChatSettings } from "../domain/types.js";
import { FILTERS_ALLOW } from "./plan.js";
import type { Database } from "./schema.js";
import { settingsFromRow } from "./settings.js";

/** A chat (or forum topic) that gets bulletins, with its chat's settings. */
export interface BulletinTarget {
  chatId: number;
  /** 0: the chat itself. */
  threadId: number;
  settings: ChatSettings;
}

/** One slot's bulletin for one target: the unique key. */
export interface BulletinKey {
  chatId: number;
  threadId: number;
  slotAt: number;
}

/** A story of a bulletin's period: what the ranking needs, not the article (loaded for the chosen few). */
export interface BulletinCandidate {
  rowId: number;
  storyKey: string;
  /** First stored (epoch ms). */
  createdAt: number;
  /** As the feed dated it (epoch ms), 0 when it did not. */
  publishedAt: number;
  hasImage: boolean;
}

export type BulletinClaim = { claimed: true; attempts: number } | { claimed: false; done: boolean };

export type BulletinOutcome =
  | { status: "sent"; messageId: number; items: number }
  | { status: "empty" }
  | { status: "failed"; error: string };

/**
 * Bulletins: who gets them, the stories of a period, and one row per (chat, topic, slot). The
 * row's primary key is what makes a slot's bulletin go out once: an instance sends only after
 * its INSERT (or its take-over of a lapsed claim, one conditional UPDATE) succeeded.
 */
export interface BulletinRepo {
  /** Every subscription (chat or topic) whose chat has the bulletin on. */
  targets(): Promise<BulletinTarget[]>;
  /**
   * Takes the slot: a new row, or a claimed one whose claim lapsed (a crash mid-send, or a
   * retry that is due). `done`: the slot was sent, empty or given up.
   */
  claim(key: BulletinKey, owner: string, until: number, now: number): Promise<BulletinClaim>;
  /** Records the result of a claimed slot; false when the claim was no longer this owner's. */
  finish(key: BulletinKey, owner: string, outcome: BulletinOutcome, now: number): Promise<boolean>;
  /** Keeps a claim alive while its send waits and runs; false when it is no longer this owner's. */
  renew(key: BulletinKey, owner: string, until: number): Promise<boolean>;
  /** A failed send: the claim stays, and lapses at `at` for the next try. */
  retryAt(key: BulletinKey, owner: string, at: number, error: string): Promise<void>;
  /** Gives the slot back (nothing was sent; the chat moved): the next claim starts anew. */
  release(key: BulletinKey, owner: string): Promise<void>;
  /** The last slot before `slotAt` whose bulletin went out (or had nothing): where a period starts. */
  lastDone(target: Omit<BulletinKey, "slotAt">, slotAt: number): Promise<number | undefined>;
  /**
   * Stories first stored in (from, to] that the target's subscription wants (its feeds and
   * keyword filters), newest first, at most `limit` rows. An item the feed dated long before
   * the period (an old article found late, a first read's backlog) is left out, and so is a
   * story already stored before the period (in another feed): it was news then.
   */
  stories(
    target: Omit<BulletinKey, "slotAt">,
    from: number,
    to: number,
    limit: number,
  ): Promise<BulletinCandidate[]>;
  /** For the stories first stored in (from, to]: how many feeds carry each one (2 and more only). */
  leadStories(from: number, to: number): Promise<Map<string, number>>;
  /** Deletes rows of slots before `before`; returns how many. */
  prune(before: number): Promise<number>;
}

/** How far before its period a story may be dated and still be news of that period. */
const DATED_BEFORE_MS = 6 * 3_600_000;

/** The subscription wants the item's feed: named, or "all" without it among the exclusions. */
const WANTS_FEED = sql<boolean>`(
  (s.all_feeds = 1 and not exists (select 1 from subscription_feeds sf
    where sf.subscription_id = s.id and sf.feed = i.feed))
  or (s.all_feeds = 0 and exists (select 1 from subscription_feeds sf
    where sf.subscription_id = s.id and sf.feed = i.feed and sf.excluded = 0)))`;

export function createBulletinRepo(db: Kysely<Database>): BulletinRepo {
  const byKey = (key: BulletinKey) =>
    db
      .updateTable("bulletins")
      .where("chat_id", "=", key.chatId)
      .where("thread_id", "=", key.threadId)
      .where("slot_at", "=", key.slotAt);
  return {
    async targets() {
      const rows = await db
        .selectFrom("subscriptions as s")
        .innerJoin("chat_settings as cs", "cs.chat_id", "s.chat_id")
        .selectAll("cs")
        .select(["s.thread_id"])
        .where("cs.bulletin_mode", "is not", null)
        .orderBy("s.chat_id")
        .orderBy("s.thread_id")
        .execute();
      return rows.map((r) => ({ chatId: r.chat_id, threadId: r.thread_id, settings: settingsFromRow(r) }));
    },
    async claim(key, owner, until, now) {
      const inserted = await db
        .insertInto("bulletins")
        .values({
          chat_id: key.chatId,
          thread_id: key.threadId,
          slot_at: key.slotAt,
          status: "claimed",
          claimed_by: owner,
          claim_until: until,
          attempts: 1,
          created_at: now,
        })
        .onConflict((oc) => oc.columns(["chat_id", "thread_id", "slot_at"]).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return { claimed: true, attempts: 1 };
      const taken = await byKey(key)
        .set({ claimed_by: owner, claim_until: until, attempts: sql<number>`attempts + 1` })
        .where("status", "=", "claimed")
        .where("claim_until", "<=", now)
        .returning("attempts")
        .executeTakeFirst();
      if (taken) return { claimed: true, attempts: Number(taken.attempts) };
      const row = await db
        .selectFrom("bulletins")
        .select("status")
        .where("chat_id", "=", key.chatId)
        .where("thread_id", "=", key.threadId)
        .where("slot_at", "=", key.slotAt)
        .executeTakeFirst();
      return { claimed: false, done: row !== undefined && row.status !== "claimed" };
    },
    async finish(key, owner, outcome, now) {
      const r = await byKey(key)
        .set({
          status: outcome.status,
          claim_until: null,
          done_at: now,
          items: outcome.status === "sent" ? outcome.items : 0,
          message_id: outcome.status === "sent" ? outcome.messageId : null,
          error: outcome.status === "failed" ? outcome.error.slice(0, 500) : null,
        })
        .where("claimed_by", "=", owner)
        .where("status", "=", "claimed")
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async renew(key, owner, until) {
      const r = await byKey(key)
        .set({ claim_until: until })
        .where("claimed_by", "=", owner)
        .where("status", "=", "claimed")
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async retryAt(key, owner, at, error) {
      await byKey(key)
        .set({ claim_until: at, error: error.slice(0, 500) })
        .where("claimed_by", "=", owner)
        .where("status", "=", "claimed")
        .execute();
    },
    async release(key, owner) {
      await db
        .deleteFrom("bulletins")
        .where("chat_id", "=", key.chatId)
        .where("thread_id", "=", key.threadId)
        .where("slot_at", "=", key.slotAt)
        .where("claimed_by", "=", owner)
        .where("status", "=", "claimed")
        .execute();
    },
    async lastDone(target, slotAt) {
      // The primary key's prefix (chat, topic) and its slot order: one index probe.
      const r = await db
        .selectFrom("bulletins")
        .select((eb) => eb.fn.max("slot_at").as("at"))
        .where("chat_id", "=", target.chatId)
        .where("thread_id", "=", target.threadId)
        .where("slot_at", "<", slotAt)
        .where("status", "in", ["sent", "empty"])
        .executeTakeFirst();
      return r?.at === null || r?.at === undefined ? undefined : Number(r.at);
    },
    async stories(target, from, to, limit) {
      // items_created gives the period; the subscription is one row (chat, topic); an earlier
      // copy of the story is found by items_story.
      const rows = await db
        .selectFrom("items as i")
        .innerJoin("subscriptions as s", (j) =>
          j.on("s.chat_id", "=", target.chatId).on("s.thread_id", "=", target.threadId),
        )
        .select(["i.id", "i.story_key", "i.created_at", "i.published_at", "i.image"])
        .where("i.created_at", ">", from)
        .where("i.created_at", "<=", to)
        .where((eb) =>
          eb.or([eb("i.published_at", "=", 0), eb("i.published_at", ">", from - DATED_BEFORE_MS)]),
        )
        .where(WANTS_FEED)
        .where(FILTERS_ALLOW)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom("items as e")
                .select("e.id")
                .whereRef("e.story_key", "=", "i.story_key")
                .where("e.created_at", "<=", from)
                .where("e.created_at", ">", from - BULLETIN_MAX_PERIOD_MS),
            ),
          ),
        )
        .orderBy("i.created_at", "desc")
        .orderBy("i.id", "desc")
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        rowId: r.id,
        storyKey: r.story_key,
        createdAt: Number(r.created_at),
        publishedAt: Number(r.published_at),
        hasImage: r.image !== null,
      }));
    },
    async leadStories(from, to) {
      const rows = await db
        .selectFrom("items")
        .select((eb) => ["story_key", eb.fn.count<number>("feed").distinct().as("feeds")])
        .where("created_at", ">", from)
        .where("created_at", "<=", to)
        .groupBy("story_key")
        .having((eb) => eb.fn.count("feed").distinct(), ">", 1)
        .execute();
      return new Map(rows.map((r) => [r.story_key, Number(r.feeds)]));
    },
    async prune(before) {
      const r = await db.deleteFrom("bulletins").where("slot_at", "<", before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
