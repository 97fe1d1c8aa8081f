import type { Kysely, Transaction } from "kysely";
import type { Database } from "./schema.js";

/**
 * Cancels what is still queued for a chat (a topic of it, some feeds of it); shared by the
 * delivery repository and by subscription changes, which cancel inside their own transaction.
 * Served by the deliveries_target_story index (its chat_id, thread_id prefix).
 */
export async function cancelQueued(
  db: Kysely<Database> | Transaction<Database>,
  chatId: number,
  threadId?: number,
  feeds?: string[],
): Promise<number> {
  if (feeds && feeds.length === 0) return 0;
  let q = db
    .updateTable("deliveries")
    .set({ status: "cancelled", done_at: Date.now(), claimed_by: null, claim_until: null })
    .where("chat_id", "=", chatId)
    .where("status", "=", "pending");
  if (threadId !== undefined) q = q.where("thread_id", "=", threadId);
  if (feeds) q = q.where("feed", "in", feeds);
  return Number((await q.executeTakeFirst()).numUpdatedRows);
}
