import type { FeedItem } from "../feeds/item.js";
import type { Store } from "./store.js";
import { targetKey } from "./subscriptions.js";

/** One post owed to one chat (or topic). Persisted before anything is sent. */
export interface Delivery {
  key: string;
  chatId: number;
  threadId?: number | undefined;
  feed: string;
  item: FeedItem;
  createdAt: number;
  attempts: number;
  /** Not before this time (epoch ms): retry backoff. */
  notBefore: number;
}

export const deliveryKey = (chatId: number, threadId: number | undefined, itemId: string) =>
  `${targetKey(chatId, threadId)}|${itemId}`;

export function newDelivery(
  chatId: number,
  threadId: number | undefined,
  feed: string,
  item: FeedItem,
  now = Date.now(),
): Delivery {
  return {
    key: deliveryKey(chatId, threadId, item.id),
    chatId,
    threadId,
    feed,
    item,
    createdAt: now,
    attempts: 0,
    notBefore: 0,
  };
}

/**
 * The outbox (pending deliveries) and the ledger (what Telegram accepted). A delivery leaves
 * the outbox only after its ledger entry is written, and nothing in the ledger is queued again,
 * so a (chat, item) pair is posted at most once; a crash can only repeat a send in flight.
 */
export interface OutboxRepo {
  /** Queues the deliveries not already sent or queued; returns the ones queued now. */
  enqueue(deliveries: Delivery[]): Promise<Delivery[]>;
  pending(): Promise<Delivery[]>;
  isSent(key: string): Promise<boolean>;
  /** Telegram accepted these: ledger first, then out of the outbox. */
  complete(deliveries: Delivery[]): Promise<void>;
  update(delivery: Delivery): Promise<void>;
  /** Dropped for good (chat gone, permanent error): recorded so it is never queued again. */
  drop(deliveries: Delivery[], reason: string): Promise<void>;
  /** Re-keys a chat's pending deliveries after a group → supergroup migration. */
  moveChat(from: number, to: number): Promise<Delivery[]>;
  counts(): Promise<{ pending: number }>;
}

export function createOutboxRepo(store: Store, ledgerTtlMs: number): OutboxRepo {
  const outbox = store.ns<Delivery>("outbox");
  const ledger = store.ns<{ at: number; status: string }>("sent");
  const pending = async () => {
    const out: Delivery[] = [];
    if (!outbox.iterator) throw new Error("the store cannot list pending deliveries");
    for await (const [, value] of outbox.iterator(undefined)) if (value) out.push(value as Delivery);
    return out.sort((a, b) => a.createdAt - b.createdAt);
  };
  return {
    async enqueue(deliveries) {
      if (deliveries.length === 0) return [];
      const keys = deliveries.map((d) => d.key);
      const [sent, queued] = await Promise.all([ledger.get(keys), outbox.get(keys)]);
      const fresh = deliveries.filter((_, i) => sent[i] === undefined && queued[i] === undefined);
      if (fresh.length) await outbox.setMany(fresh.map((d) => ({ key: d.key, value: d })));
      return fresh;
    },
    pending,
    async isSent(key) {
      return (await ledger.get(key)) !== undefined;
    },
    async complete(deliveries) {
      if (deliveries.length === 0) return;
      const at = Date.now();
      await ledger.setMany(
        deliveries.map((d) => ({ key: d.key, value: { at, status: "sent" }, ttl: ledgerTtlMs })),
      );
      await outbox.delete(deliveries.map((d) => d.key));
    },
    async update(delivery) {
      await outbox.set(delivery.key, delivery);
    },
    async drop(deliveries, reason) {
      if (deliveries.length === 0) return;
      const at = Date.now();
      await ledger.setMany(
        deliveries.map((d) => ({ key: d.key, value: { at, status: reason }, ttl: ledgerTtlMs })),
      );
      await outbox.delete(deliveries.map((d) => d.key));
    },
    async moveChat(from, to) {
      const mine = (await pending()).filter((d) => d.chatId === from);
      const moved = mine.map((d) => ({ ...d, chatId: to, key: deliveryKey(to, d.threadId, d.item.id) }));
      if (moved.length) {
        await outbox.setMany(moved.map((d) => ({ key: d.key, value: d })));
        await outbox.delete(mine.map((d) => d.key));
      }
      return moved;
    },
    async counts() {
      return { pending: (await pending()).length };
    },
  };
}
