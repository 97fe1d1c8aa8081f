import type { Kysely } from "kysely";
import { claimableIds, type Dialect } from "./dialect.js";
import type { Database } from "./schema.js";

/**
 * Claims deliveries for `owner` until `until` in one transaction: rows still pending and
 * unclaimed (or whose claim expired, or that the owner holds already); rows whose chat no
 * longer wants their feed are cancelled instead. Returns the ids claimed.
 */
export async function claimDeliveries(
  db: Kysely<Database>,
  dialect: Dialect,
  ids: number[],
  owner: string,
  until: number,
  now: number,
): Promise<number[]> {
  if (ids.length === 0) return [];
  return db.transaction().execute(async (trx) => {
    // Still wanted: a subscription of that chat and topic takes the row's feed ("all" and
    // not excluded, or named). By subscriptions_target and subscription_feeds' key.
    await trx
      .updateTable("deliveries")
      .set({
        status: "cancelled",
        done_at: now,
        claimed_by: null,
        claim_until: null,
        error: "no longer subscribed",
      })
      .where("id", "in", ids)
      .where("status", "=", "pending")
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom("subscriptions as s")
              .select("s.id")
              .whereRef("s.chat_id", "=", "deliveries.chat_id")
              .whereRef("s.thread_id", "=", "deliveries.thread_id")
              .where((w) =>
                w.or([
                  w.and([
                    w("s.all_feeds", "=", 1),
                    w.not(
                      w.exists(
                        w
                          .selectFrom("subscription_feeds as x")
                          .select("x.feed")
                          .whereRef("x.subscription_id", "=", "s.id")
                          .whereRef("x.feed", "=", "deliveries.feed"),
                      ),
                    ),
                  ]),
                  w.and([
                    w("s.all_feeds", "=", 0),
                    w.exists(
                      w
                        .selectFrom("subscription_feeds as y")
                        .select("y.feed")
                        .whereRef("y.subscription_id", "=", "s.id")
                        .whereRef("y.feed", "=", "deliveries.feed")
                        .where("y.excluded", "=", 0),
                    ),
                  ]),
                ]),
              ),
          ),
        ),
      )
      .execute();
    // A chat that switched to the bulletin alone: its queued posts are in its next bulletin.
    await trx
      .updateTable("deliveries")
      .set({ status: "cancelled", done_at: now, claimed_by: null, claim_until: null, error: "bulletin only" })
      .where("id", "in", ids)
      .where("status", "=", "pending")
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom("chat_settings as cs")
            .select("cs.chat_id")
            .whereRef("cs.chat_id", "=", "deliveries.chat_id")
            .where("cs.bulletin_mode", "=", "only"),
        ),
      )
      .execute();
    const rows = await trx
      .updateTable("deliveries")
      .set({ claimed_by: owner, claim_until: until })
      .where("id", "in", claimableIds(dialect, trx, ids, owner, now))
      .where("status", "=", "pending")
      .where((eb) =>
        eb.or([eb("claim_until", "is", null), eb("claim_until", "<", now), eb("claimed_by", "=", owner)]),
      )
      .returning("id")
      .execute();
    return rows.map((r) => r.id);
  });
}
