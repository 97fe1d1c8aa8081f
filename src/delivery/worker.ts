import type { Api } from "grammy";
import {
  type ChatSettings,
  type Delivery,
  type FeedItem,
  inQuietHours,
  type Language,
  targetKey,
} from "../domain/types.js";
import type { Logger } from "../log.js";
import type { DeliveryRepo, ItemsRepo, SettingsRepo, SubscriptionRepo } from "../store/repos.js";
import type { FloodBudget } from "./budget.js";
import type { Failure } from "./classify.js";
import { createSender } from "./send.js";

export interface WorkerDeps {
  /** The API the posts go through: its transformer takes each send's slot from `budget`. */
  api: Api;
  budget: FloodBudget;
  deliveries: DeliveryRepo;
  items: ItemsRepo;
  subscriptions: SubscriptionRepo;
  settings: SettingsRepo;
  log: Logger;
  /** Digest header in a language: "📰 7 tin mới". */
  digestHeader: (language: Language, count: number) => string;
  timeZone: string;
  defaultLanguage: Language;
  paidBroadcast: boolean;
  digestThreshold: number;
  /** Who claims (this instance's id). */
  owner: string;
  /** A claim outlives the longest send (the API timeout), so no other sender takes a row in flight. */
  claimTtlMs: number;
  /** A delivery still failing this long after it was planned is dead-lettered. */
  retryMaxMs: number;
  /** Sends in flight at once (never two to one chat). */
  maxInFlight?: number;
  /** Deliveries held in memory at most (the rest wait in the database). */
  window?: number;
  /** How often the queue is read when nothing woke the worker (other instances' work, retries due). */
  pollMs?: number;
  /** Work due and nothing accepted for this long: delivery is stuck (readiness turns 503). */
  stuckMs?: number;
  now?: () => number;
}

export interface WorkerStats {
  sent: number;
  digests: number;
  flood429: number;
  retries: number;
  dropped: number;
  fallbacks: number;
  deadLettered: number;
  /** Held in memory, due now. */
  pending: number;
  /** Chats whose posts are held by quiet hours. */
  quietHeld: number;
  inFlight: number;
}

export interface DeliveryWorker {
  start(): Promise<void>;
  /** New deliveries were planned: read the queue now. */
  wake(): void;
  /** Settings changed: re-read them before the next send to that chat. */
  invalidate(chatId: number): void;
  /** Stops taking new sends; waits up to `timeoutMs` for those in flight. Pending ones stay queued. */
  stop(timeoutMs: number): Promise<void>;
  /** Resolves when nothing is due, in memory or in flight (tests, --once). */
  drained(): Promise<void>;
  stats(): WorkerStats;
  /** Stuck: work due, and nothing accepted by Telegram for `stuckMs`. */
  health(): { stuck: boolean; lastAcceptedAt: number };
}

interface Target {
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

const SETTINGS_TTL_MS = 60_000;
const PER_CHAT_WINDOW = 50;

/**
 * Sends the delivery queue (in the database) to Telegram. It reads a bounded window of due
 * rows, serves chats round-robin (one send at a time per chat, topics included, so a busy
 * chat cannot starve the others), asks the shared flood budget when each chat may be sent
 * to, claims each row just before sending it, and completes it in the ledger after Telegram
 * accepted it. A ledger write that fails is retried, never the send.
 */
export function createDeliveryWorker(deps: WorkerDeps): DeliveryWorker {
  const log = deps.log.child({ component: "delivery" });
  const now = deps.now ?? Date.now;
  const sender = createSender({ ...deps, log });
  // Enough sends in flight to keep the pace over a slow network, few enough that a crash can
  // repeat only a handful (a send accepted by Telegram but not yet in the ledger).
  const maxInFlight = deps.maxInFlight ?? 12;
  const windowSize = deps.window ?? 2000;
  const pollMs = deps.pollMs ?? 1000;
  const stuckMs = deps.stuckMs ?? 120_000;
  const targets = new Map<string, Target>();
  const loaded = new Set<number>();
  /** Accepted by Telegram, ledger write not yet done: never sent again by this process. */
  const accepted = new Set<number>();
  const busyChats = new Set<number>();
  const settingsCache = new Map<number, { value: ChatSettings; at: number }>();
  const itemCache = new Map<number, FeedItem>();
  const stats = { sent: 0, digests: 0, flood429: 0, retries: 0, dropped: 0, fallbacks: 0, deadLettered: 0 };
  let inFlight = 0;
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let refilling: Promise<void> | undefined;
  let refillAgain = false;
  let lastRefillFoundNothing = false;
  /** The last read filled the window: more may be waiting in the database. */
  let moreInDb = false;
  let lastAcceptedAt = now();
  let idleSince = now();
  let rr = 0;
  let drainWaiters: Array<() => void> = [];

  const hourFormat = new Intl.DateTimeFormat("en-GB", {
    timeZone: deps.timeZone,
    hour: "2-digit",
    hourCycle: "h23",
  });
  const hourNow = () => Number(hourFormat.format(now()));

  function refill(): Promise<void> {
    if (refilling) {
      refillAgain = true;
      return refilling;
    }
    refilling = (async () => {
      do {
        refillAgain = false;
        try {
          if (loaded.size >= windowSize / 2) break;
          const rows = await deps.deliveries.due({ limit: windowSize, perChat: PER_CHAT_WINDOW, now: now() });
          let added = 0;
          for (const d of rows) {
            if (loaded.has(d.id) || accepted.has(d.id)) continue;
            loaded.add(d.id);
            target(d.chatId, d.threadId).queue.push(d);
            added++;
          }
          lastRefillFoundNothing = rows.length === 0;
          moreInDb = rows.length >= windowSize;
          if (added) log.debug({ added, held: loaded.size }, "queue read");
        } catch (error) {
          log.error({ err: error }, "could not read the delivery queue; will retry");
          lastRefillFoundNothing = false;
        }
      } while (refillAgain && running);
    })().finally(() => {
      refilling = undefined;
      // A macrotask, so a loop of reads can never starve timers and I/O.
      setImmediate(schedule);
    });
    return refilling;
  }

  function target(chatId: number, threadId: number): Target {
    const key = targetKey(chatId, threadId);
    let t = targets.get(key);
    if (!t) {
      t = { key, chatId, threadId, queue: [], inFlight: false, pausedUntil: 0, heldByQuiet: false };
      targets.set(key, t);
    }
    return t;
  }

  function schedule(): void {
    if (!running) {
      checkDrained();
      return;
    }
    if (timer) clearTimeout(timer);
    timer = undefined;
    const at = now();
    const list = [...targets.values()];
    let earliest = Number.POSITIVE_INFINITY;
    for (let k = 0; k < list.length && inFlight < maxInFlight; k++) {
      const i = (rr + k) % list.length;
      const t = list[i] as Target;
      if (t.inFlight || t.queue.length === 0 || busyChats.has(t.chatId)) continue;
      const ready = Math.max(t.pausedUntil, deps.budget.chatReadyAt(t.chatId));
      if (ready > at) {
        earliest = Math.min(earliest, ready);
        continue;
      }
      const global = deps.budget.globalReadyAt();
      if (global > at) {
        earliest = Math.min(earliest, global);
        break;
      }
      rr = (i + 1) % Math.max(1, list.length);
      void dispatch(t);
    }
    if (Number.isFinite(earliest)) timer = setTimeout(schedule, Math.max(1, earliest - now()));
    // Read more only when the window has room and the last read was full; otherwise the poll
    // timer and wake() bring new work (a read per schedule would spin on an empty queue).
    if (moreInDb && loaded.size < windowSize / 2 && !refilling) setImmediate(() => void refill());
    checkDrained();
  }

  function checkDrained(): void {
    if (loaded.size === 0 && inFlight === 0 && accepted.size === 0 && !refilling) {
      idleSince = now();
      if (drainWaiters.length && (lastRefillFoundNothing || !running)) {
        const waiters = drainWaiters;
        drainWaiters = [];
        for (const w of waiters) w();
      }
    }
  }

  async function settingsFor(chatId: number): Promise<ChatSettings> {
    const cached = settingsCache.get(chatId);
    if (cached && now() - cached.at < SETTINGS_TTL_MS) return cached.value;
    const value = await deps.settings.get(chatId);
    settingsCache.set(chatId, { value, at: now() });
    if (settingsCache.size > 5000) settingsCache.delete(settingsCache.keys().next().value as number);
    return value;
  }

  async function itemsFor(ds: Delivery[]): Promise<Map<number, FeedItem>> {
    const missing = ds.map((d) => d.itemRowId).filter((id) => !itemCache.has(id));
    if (missing.length) {
      for (const [id, item] of await deps.items.byIds([...new Set(missing)])) {
        itemCache.set(id, item);
        if (itemCache.size > 512) itemCache.delete(itemCache.keys().next().value as number);
      }
    }
    return new Map(
      ds.flatMap((d) =>
        itemCache.has(d.itemRowId) ? [[d.itemRowId, itemCache.get(d.itemRowId) as FeedItem]] : [],
      ),
    );
  }

  function forget(t: Target, done: Delivery[]): void {
    const ids = new Set(done.map((d) => d.id));
    t.queue = t.queue.filter((d) => !ids.has(d.id));
    for (const id of ids) loaded.delete(id);
    if (t.queue.length === 0 && !t.inFlight) targets.delete(t.key);
  }

  function forgetChat(chatId: number): void {
    for (const t of [...targets.values()]) if (t.chatId === chatId) forget(t, t.queue);
  }

  async function dispatch(t: Target): Promise<void> {
    t.inFlight = true;
    busyChats.add(t.chatId);
    inFlight++;
    try {
      const settings = await settingsFor(t.chatId);
      if (inQuietHours(settings, hourNow())) {
        // Hold everything until the quiet window ends, then send it as one digest.
        t.heldByQuiet = true;
        t.pausedUntil = now() + 60_000;
        return;
      }
      // Too old to be news any more, or failing for too long: dead letters, counted.
      const expired = t.queue.filter((d) => now() - d.createdAt > deps.retryMaxMs);
      if (expired.length) {
        stats.deadLettered += await deps.deliveries.deadLetter(
          expired.map((d) => d.id),
          "not delivered within RETRY_MAX_HOURS",
        );
        log.warn({ chat: t.chatId, count: expired.length }, "deliveries dead-lettered: retries ran out");
        forget(t, expired);
      }
      if (t.queue.length === 0) return;
      const asDigest = t.queue.length > deps.digestThreshold || (t.heldByQuiet && t.queue.length > 1);
      const batch = asDigest ? t.queue.slice(0, 40) : t.queue.slice(0, 1);
      const claimedIds = new Set(
        await deps.deliveries.claim(
          batch.map((d) => d.id),
          deps.owner,
          now() + deps.claimTtlMs,
          now(),
        ),
      );
      // Not claimed: cancelled meanwhile, or another sender has it.
      forget(
        t,
        batch.filter((d) => !claimedIds.has(d.id)),
      );
      const claimed = batch.filter((d) => claimedIds.has(d.id));
      if (claimed.length === 0) return;
      const items = await itemsFor(claimed);
      const orphans = claimed.filter((d) => !items.has(d.itemRowId));
      if (orphans.length) {
        await deps.deliveries.deadLetter(
          orphans.map((d) => d.id),
          "the item is no longer stored",
        );
        forget(t, orphans);
      }
      const todo = claimed.filter((d) => items.has(d.itemRowId));
      if (todo.length === 0) return;
      const target = { chatId: t.chatId, threadId: t.threadId, settings };
      t.heldByQuiet = false;
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
          await record(t, covered, res.messageId, true);
        } else await failed(t, covered, res.failure);
        // What did not fit is released for the next send.
        const rest = todo.slice(res.count);
        if (rest.length)
          await deps.deliveries.retry(
            rest.map((d) => d.id),
            0,
            "did not fit in the digest",
          );
      } else {
        const d = todo[0] as Delivery;
        const res = await sender.single(target, d.itemRowId, items.get(d.itemRowId) as FeedItem);
        stats.fallbacks += res.fallbacks;
        if (res.ok) {
          stats.sent++;
          await record(t, [d], res.messageId, false);
        } else await failed(t, [d], res.failure);
      }
    } catch (error) {
      // Store trouble: keep everything queued and try again shortly.
      log.error({ err: error, chat: t.chatId }, "delivery step failed; will retry");
      t.pausedUntil = now() + 5000;
    } finally {
      t.inFlight = false;
      busyChats.delete(t.chatId);
      if (t.queue.length === 0) targets.delete(t.key);
      inFlight--;
      schedule();
    }
  }

  /**
   * Telegram accepted these: write the ledger, retrying until it holds (a send is never
   * repeated because the store failed after it). The rows stay out of every queue meanwhile.
   */
  async function record(
    t: Target,
    ds: Delivery[],
    messageId: number | undefined,
    digest: boolean,
  ): Promise<void> {
    lastAcceptedAt = now();
    const ids = ds.map((d) => d.id);
    for (const id of ids) accepted.add(id);
    forget(t, ds);
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
        if (!running && attempt > 3) {
          log.error(
            { chat: t.chatId, ids },
            "stopping with sent deliveries not recorded; they may repeat after their claim expires",
          );
          break;
        }
        await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** attempt, 5000)));
      }
    }
    for (const id of ids) accepted.delete(id);
  }

  async function failed(t: Target, ds: Delivery[], f: Failure): Promise<void> {
    const ids = ds.map((d) => d.id);
    const at = now();
    switch (f.kind) {
      case "flood":
        // The budget has recorded the pause (its transformer saw the 429); the rows wait it out.
        stats.flood429++;
        await deps.deliveries.retry(ids, at + f.retryAfter * 1000, "429");
        forget(t, ds);
        log.warn({ chat: t.chatId, retryAfter: f.retryAfter, scope: f.scope }, "429: waiting retry_after");
        return;
      case "gone": {
        // One transaction: the subscriptions go and whatever is queued for the chat is cancelled.
        const removed = await deps.subscriptions.removeChat(t.chatId);
        await deps.settings.remove(t.chatId);
        forgetChat(t.chatId);
        stats.dropped += ds.length;
        log.warn({ chat: t.chatId, removed, reason: f.description }, "chat is gone: subscriptions removed");
        return;
      }
      case "migrate":
        // Nothing was sent: release the claim so the moved rows go out at once in the new chat.
        await deps.deliveries.retry(ids, 0, "group migrated to a supergroup");
        await deps.subscriptions.moveChat(t.chatId, f.to);
        await deps.settings.move(t.chatId, f.to);
        settingsCache.delete(t.chatId);
        forgetChat(t.chatId);
        log.info(
          { from: t.chatId, to: f.to },
          "group migrated to a supergroup: subscriptions and queue moved",
        );
        void refill();
        return;
      case "retry": {
        const attempts = Math.max(...ds.map((d) => d.attempts)) + 1;
        const next = at + Math.min(2 ** attempts * 1000, 300_000);
        const tooOld = ds.filter((d) => next - d.createdAt > deps.retryMaxMs);
        if (tooOld.length) {
          stats.deadLettered += await deps.deliveries.deadLetter(
            tooOld.map((d) => d.id),
            `retries ran out: ${f.description}`,
          );
          log.error(
            { chat: t.chatId, count: tooOld.length, reason: f.description },
            "deliveries dead-lettered: retries ran out",
          );
        }
        const again = ds.filter((d) => !tooOld.includes(d));
        await deps.deliveries.retry(
          again.map((d) => d.id),
          next,
          f.description,
        );
        forget(t, ds);
        stats.retries++;
        log.warn({ chat: t.chatId, attempts, reason: f.description }, "send failed; will retry");
        return;
      }
      default:
        stats.dropped += ds.length;
        stats.deadLettered += await deps.deliveries.deadLetter(
          ids,
          f.kind === "notModified" || f.kind === "messageGone" ? f.kind : f.description,
        );
        forget(t, ds);
        log.error(
          { chat: t.chatId, count: ds.length, kind: f.kind, reason: "description" in f ? f.description : "" },
          "Telegram refused the post for good",
        );
        return;
    }
  }

  function poll(): void {
    if (!running) return;
    pollTimer = setTimeout(() => {
      lastRefillFoundNothing = false;
      void refill().finally(poll);
    }, pollMs);
  }

  return {
    async start() {
      running = true;
      lastAcceptedAt = now();
      await refill();
      if (loaded.size) log.info({ due: loaded.size }, "resuming deliveries left in the queue");
      poll();
    },
    wake() {
      lastRefillFoundNothing = false;
      void refill();
    },
    invalidate(chatId) {
      settingsCache.delete(chatId);
    },
    async stop(timeoutMs) {
      running = false;
      if (timer) clearTimeout(timer);
      if (pollTimer) clearTimeout(pollTimer);
      const deadline = now() + timeoutMs;
      while ((inFlight > 0 || accepted.size > 0) && now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      if (inFlight > 0)
        log.warn({ inFlight }, "stopped with sends in flight; their claims expire and they are sent again");
      checkDrained();
    },
    drained() {
      return new Promise<void>((resolve) => {
        drainWaiters.push(resolve);
        lastRefillFoundNothing = false;
        if (running) void refill();
        else checkDrained();
      });
    },
    stats: () => ({
      ...stats,
      pending: loaded.size,
      inFlight,
      quietHeld: [...targets.values()].filter((t) => t.heldByQuiet).length,
    }),
    health() {
      const at = now();
      const dueNow =
        inFlight > 0 ||
        [...targets.values()].some(
          (t) => t.queue.length > 0 && Math.max(t.pausedUntil, deps.budget.chatReadyAt(t.chatId)) <= at,
        );
      const busyFor = at - Math.max(lastAcceptedAt, idleSince);
      return { stuck: running && dueNow && busyFor > stuckMs, lastAcceptedAt };
    },
  };
}
