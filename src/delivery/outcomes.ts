import type { Delivery } from "../domain/types.js";
import type { Logger } from "../log.js";
import type { DeliveryRepo, SettingsRepo, SubscriptionRepo } from "../store/repos.js";
import type { Failure } from "./classify.js";
import type { Lookups } from "./lookups.js";
import type { DeliveryWindow, Target } from "./window.js";

export interface OutcomeStats {
  sent: number;
  digests: number;
  flood429: number;
  retries: number;
  dropped: number;
  fallbacks: number;
  deadLettered: number;
}

export interface OutcomeDeps {
  deliveries: DeliveryRepo;
  subscriptions: SubscriptionRepo;
  settings: SettingsRepo;
  log: Logger;
  window: DeliveryWindow;
  lookups: Lookups;
  stats: OutcomeStats;
  retryMaxMs: number;
  now: () => number;
  isRunning: () => boolean;
  /** Read the queue again (a migration moved rows to another chat id). */
  refill: () => void;
  /** Deliveries that will be tried again, given up, or dropped with their chat (metrics). */
  onOutcome?: ((result: "retried" | "dead" | "dropped", count: number) => void) | undefined;
}

/**
 * What becomes of a send: the ledger after Telegram accepted it, or the row's next state
 * after a failure (retry later, dead letter, the chat gone or migrated).
 */
export function createOutcomes(deps: OutcomeDeps) {
  const { log, window, stats } = deps;

  /**
   * Telegram accepted these: write the ledger, retrying until it holds (a send is never
   * repeated because the store failed after it). The rows stay out of every queue meanwhile.
   */
  async function accepted(
    t: Target,
    ds: Delivery[],
    messageId: number | undefined,
    digest: boolean,
  ): Promise<void> {
    const ids = ds.map((d) => d.id);
    window.accept(t, ds);
    for (let attempt = 0; ; attempt++) {
      try {
        await deps.deliveries.complete(ids, messageId, digest);
        break;
      } catch (error) {
        if (attempt === 0)
          log.error(
            { err: error, chat: t.chatId },
            "sent, but the ledger write failed; retrying the write, not the send",
          );
        if (!deps.isRunning() && attempt > 3) {
          log.error(
            { chat: t.chatId, ids },
            "stopping with sent deliveries not recorded; they may repeat after their claim expires",
          );
          break;
        }
        await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** attempt, 5000)));
      }
    }
    window.settled(ds);
  }

  async function failed(t: Target, ds: Delivery[], f: Failure): Promise<void> {
    const ids = ds.map((d) => d.id);
    const at = deps.now();
    switch (f.kind) {
      case "flood":
        // The budget recorded the pause (its transformer saw the 429, and logged it): the
        // rows wait it out in the database.
        stats.flood429++;
        deps.onOutcome?.("retried", ds.length);
        await deps.deliveries.retry(ids, at + f.retryAfter * 1000, "429");
        window.forget(t, ds);
        return;
      case "gone": {
        // One transaction: the subscriptions go and whatever is queued for the chat is cancelled.
        const removed = await deps.subscriptions.removeChat(t.chatId);
        await deps.settings.remove(t.chatId);
        window.forgetChat(t.chatId);
        stats.dropped += ds.length;
        deps.onOutcome?.("dropped", ds.length);
        log.warn({ chat: t.chatId, removed, reason: f.description }, "chat is gone: subscriptions removed");
        return;
      }
      case "migrate":
        // Nothing was sent: release the claim so the moved rows go out at once in the new chat.
        await deps.deliveries.retry(ids, 0, "group migrated to a supergroup");
        await deps.subscriptions.moveChat(t.chatId, f.to);
        await deps.settings.move(t.chatId, f.to);
        deps.lookups.invalidate(t.chatId);
        window.forgetChat(t.chatId);
        log.info(
          { from: t.chatId, to: f.to },
          "group migrated to a supergroup: subscriptions and queue moved",
        );
        deps.refill();
        return;
      case "retry": {
        const attempts = Math.max(...ds.map((d) => d.attempts)) + 1;
        const next = at + Math.min(2 ** attempts * 1000, 300_000);
        const tooOld = ds.filter((d) => next - d.createdAt > deps.retryMaxMs);
        if (tooOld.length) await deadLetter(t, tooOld, `retries ran out: ${f.description}`);
        const again = ds.filter((d) => !tooOld.includes(d));
        await deps.deliveries.retry(
          again.map((d) => d.id),
          next,
          f.description,
        );
        window.forget(t, ds);
        stats.retries++;
        deps.onOutcome?.("retried", again.length);
        log.warn({ chat: t.chatId, attempts, reason: f.description }, "send failed; will retry");
        return;
      }
      default:
        stats.dropped += ds.length;
        await deadLetter(t, ds, `${f.kind}: ${f.description}`);
        return;
    }
  }

  /** Given up for good: counted in the database (shown by /stats) and logged once. */
  async function deadLetter(t: Target, ds: Delivery[], reason: string): Promise<void> {
    if (ds.length === 0) return;
    deps.onOutcome?.("dead", ds.length);
    stats.deadLettered += await deps.deliveries.deadLetter(
      ds.map((d) => d.id),
      reason,
    );
    window.forget(t, ds);
    log.error({ chat: t.chatId, count: ds.length, reason }, "deliveries dead-lettered");
  }

  return { accepted, failed, deadLetter };
}
