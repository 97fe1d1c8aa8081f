import type { ChatSettings, Delivery, FeedItem } from "../domain/types.js";
import type { DeliveryRepo } from "../store/repos.js";
import type { createOutcomes, OutcomeStats } from "./outcomes.js";
import type { createSender } from "./send.js";
import type { Target } from "./window.js";

/**
 * One send of the worker for claimed rows: a single post, or a digest of those that fit (the
 * rest is released for the next send), then the outcome recorded.
 */
export function createSendStep(deps: {
  sender: ReturnType<typeof createSender>;
  outcomes: ReturnType<typeof createOutcomes>;
  deliveries: DeliveryRepo;
  stats: OutcomeStats;
  /** Telegram accepted a send (called before the ledger write, which may take retries). */
  onAccepted: () => void;
  /** The stories of a send Telegram accepted (metrics: count and lag). */
  onSent?: ((items: FeedItem[]) => void) | undefined;
}) {
  const { sender, stats } = deps;
  return async function send(
    t: Target,
    todo: Delivery[],
    items: Map<number, FeedItem>,
    settings: ChatSettings,
    asDigest: boolean,
  ): Promise<void> {
    const { outcomes } = deps;
    const target = { chatId: t.chatId, threadId: t.threadId, settings };
    if (todo.length > 1 || asDigest) {
      const res = await sender.digest(
        target,
        todo.map((d) => items.get(d.itemRowId) as FeedItem),
      );
      stats.fallbacks += res.fallbacks;
      const covered = todo.slice(0, res.count);
      if (res.ok) {
        stats.sent++;
        stats.digests++;
        deps.onAccepted();
        deps.onSent?.(covered.map((d) => items.get(d.itemRowId) as FeedItem));
        await outcomes.accepted(t, covered, res.messageId, true);
      } else await outcomes.failed(t, covered, res.failure);
      // What did not fit is released for the next send.
      const rest = todo.slice(res.count);
      if (rest.length)
        await deps.deliveries.postpone(
          rest.map((d) => d.id),
          0,
        );
      return;
    }
    const d = todo[0] as Delivery;
    const res = await sender.single(target, d.itemRowId, items.get(d.itemRowId) as FeedItem);
    stats.fallbacks += res.fallbacks;
    if (res.ok) {
      stats.sent++;
      deps.onAccepted();
      deps.onSent?.([items.get(d.itemRowId) as FeedItem]);
      await outcomes.accepted(t, [d], res.messageId, false);
    } else await outcomes.failed(t, [d], res.failure);
  };
}
