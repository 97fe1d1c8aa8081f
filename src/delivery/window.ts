import { type Delivery, targetKey } from "../domain/types.js";

/** A chat or one forum topic of it, with the deliveries of the window due there. */
export interface Target {
  key: string;
  chatId: number;
  threadId: number;
  queue: Delivery[];
  inFlight: boolean;
  /** Quiet hours or store trouble: not before this time. */
  pausedUntil: number;
  /** Posts held back by quiet hours go out together as one digest. */
  heldByQuiet: boolean;
}

/**
 * The worker's window on the delivery queue: a bounded set of due rows read from the
 * database, grouped by target. The database stays the truth; this only says what this
 * process is about to send.
 */
export class DeliveryWindow {
  readonly targets = new Map<string, Target>();
  private readonly loaded = new Set<number>();
  /** Accepted by Telegram, ledger write not yet done: never sent again by this process. */
  readonly accepted = new Set<number>();

  get size(): number {
    return this.loaded.size;
  }

  /** Adds rows not held already; returns how many were new. */
  add(rows: Delivery[]): number {
    let added = 0;
    for (const d of rows) {
      if (this.loaded.has(d.id) || this.accepted.has(d.id)) continue;
      this.loaded.add(d.id);
      this.target(d.chatId, d.threadId).queue.push(d);
      added++;
    }
    return added;
  }

  target(chatId: number, threadId: number): Target {
    const key = targetKey(chatId, threadId);
    let t = this.targets.get(key);
    if (!t) {
      t = { key, chatId, threadId, queue: [], inFlight: false, pausedUntil: 0, heldByQuiet: false };
      this.targets.set(key, t);
    }
    return t;
  }

  forget(t: Target, done: Delivery[]): void {
    if (done.length === 0) return;
    const ids = new Set(done.map((d) => d.id));
    t.queue = t.queue.filter((d) => !ids.has(d.id));
    for (const id of ids) this.loaded.delete(id);
    this.tidy(t);
  }

  /** Drops everything held for a chat (gone, migrated): its rows are settled in the database. */
  forgetChat(chatId: number): void {
    for (const t of [...this.targets.values()]) if (t.chatId === chatId) this.forget(t, t.queue);
  }

  /** A target with nothing queued and nothing in flight leaves the window. */
  tidy(t: Target): void {
    if (t.queue.length === 0 && !t.inFlight) this.targets.delete(t.key);
  }

  /** Marks rows accepted by Telegram (they leave the window, and are never taken again). */
  accept(t: Target, ds: Delivery[]): void {
    for (const d of ds) this.accepted.add(d.id);
    this.forget(t, ds);
  }

  settled(ds: Delivery[]): void {
    for (const d of ds) this.accepted.delete(d.id);
  }
}
