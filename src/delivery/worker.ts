import type { Api } from "grammy";
import type { FeedItem, Language } from "../domain/types.js";
import type { Logger } from "../log.js";
import type { DeliveryRepo, ItemsRepo, SettingsRepo, SubscriptionRepo } from "../store/repos.js";
import type { FloodBudget } from "./budget.js";
import { createLookups } from "./lookups.js";
import { createOutcomes, type OutcomeStats } from "./outcomes.js";
import { createQuietHold } from "./quiet.js";
import { createSender } from "./send.js";
import { createSendStep } from "./step.js";
import { DeliveryWindow, type Target } from "./window.js";

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
  /** The stories of each send Telegram accepted (metrics). */
  onSent?: (items: FeedItem[]) => void;
  /** Deliveries retried, given up or dropped (metrics). */
  onOutcome?: (result: "retried" | "dead" | "dropped", count: number) => void;
  now?: () => number;
}

export interface WorkerStats extends OutcomeStats {
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
  /** A stored item was corrected: sends still queued for it use the new version. */
  forgetItem(rowId: number): void;
  /** Stops taking new sends; waits up to `timeoutMs` for those in flight. Pending ones stay queued. */
  stop(timeoutMs: number): Promise<void>;
  /** Resolves when nothing is due, in memory or in flight (tests, --once). */
  drained(): Promise<void>;
  stats(): WorkerStats;
  /** Stuck: work due, and nothing accepted by Telegram for `stuckMs`. */
  health(): { stuck: boolean; lastAcceptedAt: number };
}

const PER_CHAT_WINDOW = 50;
/** At most this many posts in one digest message (what fits is sent; the rest waits). */
const DIGEST_MAX = 40;

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
  const window = new DeliveryWindow();
  const targets = window.targets;
  const busyChats = new Set<number>();
  const lookups = createLookups({ settings: deps.settings, items: deps.items, now });
  const stats: OutcomeStats = {
    sent: 0,
    digests: 0,
    flood429: 0,
    retries: 0,
    dropped: 0,
    fallbacks: 0,
    deadLettered: 0,
  };
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
  const outcomes = createOutcomes({
    ...deps,
    log,
    window,
    lookups,
    stats,
    now,
    isRunning: () => running,
    refill: () => void refill(),
  });
  const send = createSendStep({
    sender,
    outcomes,
    deliveries: deps.deliveries,
    stats,
    onSent: deps.onSent,
    onAccepted: () => {
      lastAcceptedAt = now();
    },
  });

  const quiet = createQuietHold({ deliveries: deps.deliveries, window, timeZone: deps.timeZone, now });

  function refill(): Promise<void> {
    if (refilling) {
      refillAgain = true;
      return refilling;
    }
    refilling = (async () => {
      do {
        refillAgain = false;
        try {
          if (window.size >= windowSize / 2) break;
          // One indexed read (deliveries_due) of at most windowSize rows, never the table.
          const rows = await deps.deliveries.due({ limit: windowSize, perChat: PER_CHAT_WINDOW, now: now() });
          const added = window.add(rows);
          lastRefillFoundNothing = rows.length === 0;
          moreInDb = rows.length >= windowSize;
          if (added) log.debug({ added, held: window.size }, "queue read");
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
    if (moreInDb && window.size < windowSize / 2 && !refilling) setImmediate(() => void refill());
    checkDrained();
  }

  function checkDrained(): void {
    if (window.size === 0 && inFlight === 0 && window.accepted.size === 0 && !refilling) {
      idleSince = now();
      if (drainWaiters.length && (lastRefillFoundNothing || !running)) {
        const waiters = drainWaiters;
        drainWaiters = [];
        for (const w of waiters) w();
      }
    }
  }

  async function dispatch(t: Target): Promise<void> {
    let renewal: NodeJS.Timeout | undefined;
    t.inFlight = true;
    busyChats.add(t.chatId);
    inFlight++;
    try {
      const settings = await lookups.settingsFor(t.chatId);
      if (await quiet.hold(t, settings)) return;
      // Too old to be news any more, or failing for too long: dead letters, counted.
      await outcomes.deadLetter(
        t,
        t.queue.filter((d) => now() - d.createdAt > deps.retryMaxMs),
        "not delivered within RETRY_MAX_HOURS",
      );
      if (t.queue.length === 0) return;
      const asDigest = t.queue.length > deps.digestThreshold || (t.heldByQuiet && t.queue.length > 1);
      const batch = t.queue.slice(0, asDigest ? DIGEST_MAX : 1);
      const claimedIds = new Set(
        await deps.deliveries.claim(
          batch.map((d) => d.id),
          deps.owner,
          now() + deps.claimTtlMs,
          now(),
        ),
      );
      // While the post waits for its slot, is sent and recorded, its claim is kept alive, so
      // it never lapses under a send still in flight (a global 429 wait, a slow ledger write).
      const ids = [...claimedIds];
      renewal = setInterval(
        () => void deps.deliveries.renew(ids, deps.owner, now() + deps.claimTtlMs).catch(() => undefined),
        Math.max(1000, deps.claimTtlMs / 3),
      );
      // Not claimed: cancelled meanwhile, or another sender has it.
      window.forget(
        t,
        batch.filter((d) => !claimedIds.has(d.id)),
      );
      const claimed = batch.filter((d) => claimedIds.has(d.id));
      if (claimed.length === 0) return;
      const items = await lookups.itemsFor(claimed);
      await outcomes.deadLetter(
        t,
        claimed.filter((d) => !items.has(d.itemRowId)),
        "the item is no longer stored",
      );
      const todo = claimed.filter((d) => items.has(d.itemRowId));
      if (todo.length === 0) return;
      t.heldByQuiet = false;
      await send(t, todo, items, settings, asDigest);
    } catch (error) {
      // Store trouble: keep everything queued and try again shortly.
      log.error({ err: error, chat: t.chatId }, "delivery step failed; will retry");
      t.pausedUntil = now() + 5000;
    } finally {
      clearInterval(renewal);
      t.inFlight = false;
      busyChats.delete(t.chatId);
      window.tidy(t);
      inFlight--;
      schedule();
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
      if (window.size) log.info({ due: window.size }, "resuming deliveries left in the queue");
      poll();
    },
    wake() {
      // A worker not started (or stopped) reads nothing: its process does not send.
      if (!running) return;
      lastRefillFoundNothing = false;
      void refill();
    },
    invalidate(chatId) {
      lookups.invalidate(chatId);
    },
    forgetItem(rowId) {
      lookups.forgetItem(rowId);
      sender.forget(rowId);
    },
    async stop(timeoutMs) {
      running = false;
      if (timer) clearTimeout(timer);
      if (pollTimer) clearTimeout(pollTimer);
      const deadline = now() + timeoutMs;
      while ((inFlight > 0 || window.accepted.size > 0) && now() < deadline)
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
      pending: window.size,
      inFlight,
      quietHeld: quiet.size,
    }),
    health() {
      const at = now();
      // Due: something in flight, or a chat free to be sent to now; a pause Telegram asked
      // for (a global 429) is not "stuck".
      const dueNow =
        inFlight > 0 ||
        (deps.budget.globalReadyAt() <= at &&
          [...targets.values()].some(
            (t) => t.queue.length > 0 && Math.max(t.pausedUntil, deps.budget.chatReadyAt(t.chatId)) <= at,
          ));
      const busyFor = at - Math.max(lastAcceptedAt, idleSince);
      return { stuck: running && dueNow && busyFor > stuckMs, lastAcceptedAt };
    },
  };
}
