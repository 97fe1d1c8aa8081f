import type { Kysely, Selectable } from "kysely";
import type { Database } from "./schema.js";

export type WebSubState = "subscribing" | "active" | "unsubscribing" | "failed";

/** A feed's subscription at its WebSub hub. */
export interface WebSubSubscription {
  feed: string;
  hub: string;
  topic: string;
  /** The last part of the callback URL: unguessable, so a push to any other path is refused. */
  callbackId: string;
  /** hub.secret: the hub signs each delivery with it (X-Hub-Signature). */
  secret: string;
  state: WebSubState;
  /** The feed is the operator's: its hub is reached without the SSRF guard. */
  trusted: boolean;
  /** Epoch ms the hub's lease ends, and when it verified the subscription. */
  leaseUntil?: number | undefined;
  verifiedAt?: number | undefined;
  /** When the last subscribe or unsubscribe request was sent to the hub. */
  requestedAt: number;
  error?: string | undefined;
}

/**
 * Subscriptions in one row per feed. Each change is one statement: a request replaces a row
 * only if nobody changed it since it was read (compare-and-swap on requested_at), the hub's
 * verification activates only the row of its callback id, so two instances never both ask.
 */
export interface WebSubRepo {
  all(): Promise<WebSubSubscription[]>;
  byCallback(callbackId: string): Promise<WebSubSubscription | undefined>;
  /**
   * Writes a (re)subscription about to be sent; `expected` is the requested_at of the row as
   * it was read (undefined: there was none). False when another caller got there first.
   */
  request(sub: WebSubSubscription, expected: number | undefined): Promise<boolean>;
  /** The hub verified the subscription of this callback at `at`: active until `leaseUntil`. */
  activate(callbackId: string, leaseUntil: number, at: number): Promise<boolean>;
  /** The hub refused the request or denied the subscription. */
  fail(callbackId: string, error: string): Promise<void>;
  /** The feed is gone: unsubscribing, asked at `at`; false when the row changed meanwhile. */
  unsubscribing(callbackId: string, expected: number, at: number): Promise<boolean>;
  remove(callbackId: string): Promise<boolean>;
  /** Feeds whose hub pushes to us now (verified, lease not over). */
  pushed(now: number): Promise<Set<string>>;
}

function fromRow(r: Selectable<Database["websub"]>): WebSubSubscription {
  return {
    feed: r.feed,
    hub: r.hub,
    topic: r.topic,
    callbackId: r.callback_id,
    secret: r.secret,
    state: r.state as WebSubState,
    trusted: r.trusted === 1,
    leaseUntil: r.lease_until === null ? undefined : Number(r.lease_until),
    verifiedAt: r.verified_at === null ? undefined : Number(r.verified_at),
    requestedAt: Number(r.requested_at),
    error: r.error ?? undefined,
  };
}

export function createWebSubRepo(db: Kysely<Database>): WebSubRepo {
  const byCallback = async (id: string) => {
    const row = await db.selectFrom("websub").selectAll().where("callback_id", "=", id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  };
  return {
    async all() {
      return (await db.selectFrom("websub").selectAll().execute()).map(fromRow);
    },
    byCallback,
    async request(sub, expected) {
      const row = {
        feed: sub.feed,
        hub: sub.hub,
        topic: sub.topic,
        callback_id: sub.callbackId,
        secret: sub.secret,
        state: sub.state,
        trusted: sub.trusted ? 1 : 0,
        lease_until: sub.leaseUntil ?? null,
        verified_at: sub.verifiedAt ?? null,
        requested_at: sub.requestedAt,
        error: null,
      };
      if (expected === undefined) {
        const r = await db
          .insertInto("websub")
          .values(row)
          .onConflict((oc) => oc.column("feed").doNothing())
          .executeTakeFirst();
        return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
      }
      const { feed: _feed, ...set } = row;
      const r = await db
        .updateTable("websub")
        .set(set)
        .where("feed", "=", sub.feed)
        .where("requested_at", "=", expected)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async activate(callbackId, leaseUntil, at) {
      const r = await db
        .updateTable("websub")
        .set({ state: "active", lease_until: leaseUntil, verified_at: at, error: null })
        .where("callback_id", "=", callbackId)
        .where("state", "in", ["subscribing", "active"])
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async fail(callbackId, error) {
      await db
        .updateTable("websub")
        .set({ state: "failed", error: error.slice(0, 500), lease_until: null })
        .where("callback_id", "=", callbackId)
        .where("state", "!=", "unsubscribing")
        .execute();
    },
    async unsubscribing(callbackId, expected, at) {
      const r = await db
        .updateTable("websub")
        .set({ state: "unsubscribing", requested_at: at })
        .where("callback_id", "=", callbackId)
        .where("requested_at", "=", expected)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async remove(callbackId) {
      const r = await db.deleteFrom("websub").where("callback_id", "=", callbackId).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    async pushed(now) {
      const rows = await db
        .selectFrom("websub")
        .select("feed")
        .where("state", "=", "active")
        .where("lease_until", ">", now)
        .execute();
      return new Set(rows.map((r) => r.feed));
    },
  };
}
