import { budgetTransformer } from "./budget-transformer.js";
import {
  type ChatId,
  type FloodBudget,
  type FloodBudgetOptions,
  type Priority,
  ReplyDroppedError,
} from "./budget-types.js";
import { createRatePacer, GROUP_PER_MINUTE, PER_CHAT_INTERVAL_MS } from "./limits.js";

export * from "./budget-types.js";

/**
 * One flood budget for every call the bot makes with its token. Telegram counts command replies
 * and feed posts against the same limits (Bot FAQ): about 30 messages/s overall (`rate`; up to
 * 1000/s with paid broadcast), 1 message/s per chat, 20 messages/min per group or channel. The
 * limits are per `chat_id`: posts to two forum topics of one group share the group's budget.
 *
 * Sends wait in one queue, replies first, then posts, each in arrival order. Whenever the global
 * pace has a slot, the first waiter whose chat is ready takes it, so a post held by a paused
 * chat never blocks a reply (or a post) to another chat. One timer at a time wakes the queue
 * at the next moment something can change (a slot, a chat window, a pause ending, a reply's
 * deadline); nothing polls.
 *
 * Every 429 is honoured. A 429 on a call with a chat_id pauses that chat for retry_after; a 429
 * on a call without one (an inline-message edit, setMyCommands, getUpdates…) pauses every
 * send. Heuristic: 429s from 3 or more different chats within one second mean the bot as a
 * whole is over the limit, so they pause every send too, until the last of those pauses ends.
 *
 * A reply that would wait longer than `replyMaxWaitMs` (the person has given up by then) is
 * dropped: `acquire` rejects with `ReplyDroppedError` and logs one warn line. It is never sent
 * early and never retried inside a retry_after window.
 */

const DEFAULT_REPLY_MAX_WAIT_MS = 20_000;
/** 429s from this many different chats within `GLOBAL_FLOOD_WINDOW_MS` count as a global 429. */
const GLOBAL_FLOOD_CHATS = 3;
const GLOBAL_FLOOD_WINDOW_MS = 1000;
const GROUP_WINDOW_MS = 60_000;
/** Per-chat state is swept at most this often (amortised over calls; no timer of its own). */
const SWEEP_EVERY_MS = 10_000;

interface ChatState {
  group: boolean;
  pausedUntil: number;
  lastSentAt: number;
  /** Groups and channels: the last ≤ 20 send times, oldest first. */
  recent: number[];
}

interface Waiter {
  chat: ChatId | undefined;
  priority: Priority;
  since: number;
  /** Replies: dropped if still waiting then. */
  deadline: number;
  /** Called with the grant time. */
  resolve: (at: number) => void;
  reject: (reason: unknown) => void;
  cleanup?: () => void;
}

export function createFloodBudget(opts: FloodBudgetOptions): FloodBudget {
  const log = opts.log.child({ component: "flood" });
  const now = opts.now ?? Date.now;
  const replyMaxWaitMs = opts.replyMaxWaitMs ?? DEFAULT_REPLY_MAX_WAIT_MS;
  const pacer = createRatePacer(opts.rate);
  const chats = new Map<ChatId, ChatState>();
  /** Sends waiting, by chat (for chatReadyAt). */
  const waitingFor = new Map<ChatId, number>();
  const replies: Waiter[] = [];
  const posts: Waiter[] = [];
  let recentFloods: Array<{ at: number; chat: ChatId; until: number }> = [];
  let globalPausedUntil = 0;
  let flood429 = 0;
  let repliesDropped = 0;
  let granted = 0;
  let lastSweep = now();
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Number.POSITIVE_INFINITY;

  const isGroup = (chat: ChatId) => typeof chat === "string" || chat < 0;

  function chatReady(chat: ChatId | undefined): number {
    if (chat === undefined) return Number.NEGATIVE_INFINITY;
    const c = chats.get(chat);
    if (!c) return Number.NEGATIVE_INFINITY;
    let at = Math.max(c.pausedUntil, c.lastSentAt + PER_CHAT_INTERVAL_MS);
    if (c.group && c.recent.length >= GROUP_PER_MINUTE) {
      at = Math.max(at, (c.recent[c.recent.length - GROUP_PER_MINUTE] as number) + GROUP_WINDOW_MS);
    }
    return at;
  }

  function chatState(chat: ChatId): ChatState {
    let c = chats.get(chat);
    if (!c) {
      c = { group: isGroup(chat), pausedUntil: 0, lastSentAt: Number.NEGATIVE_INFINITY, recent: [] };
      chats.set(chat, c);
    }
    return c;
  }

  /** A chat whose state no longer limits anything is forgotten (a fresh entry is equivalent). */
  function sweep(at: number): void {
    if (at - lastSweep < SWEEP_EVERY_MS) return;
    lastSweep = at;
    for (const [id, c] of chats) {
      const keepUntil = Math.max(
        c.pausedUntil,
        c.lastSentAt + (c.group ? GROUP_WINDOW_MS : PER_CHAT_INTERVAL_MS),
      );
      if (keepUntil <= at) chats.delete(id);
    }
  }

  const globalReady = () => Math.max(pacer.readyAt(), globalPausedUntil);

  function firstEligible(at: number): Waiter | undefined {
    for (const w of replies) if (chatReady(w.chat) <= at) return w;
    for (const w of posts) if (chatReady(w.chat) <= at) return w;
    return undefined;
  }

  function remove(w: Waiter): void {
    const list = w.priority === "reply" ? replies : posts;
    const i = list.indexOf(w);
    if (i >= 0) list.splice(i, 1);
    if (w.chat !== undefined) {
      const n = (waitingFor.get(w.chat) ?? 1) - 1;
      if (n > 0) waitingFor.set(w.chat, n);
      else waitingFor.delete(w.chat);
    }
    w.cleanup?.();
  }

  function grant(w: Waiter, at: number, due: number): void {
    remove(w);
    pacer.take(at, due);
    granted++;
    if (w.chat !== undefined) {
      const c = chatState(w.chat);
      c.lastSentAt = at;
      if (c.group) {
        c.recent.push(at);
        if (c.recent.length > GROUP_PER_MINUTE) c.recent.shift();
      }
    }
    w.resolve(at);
  }

  function drop(w: Waiter, waitMs: number): void {
    remove(w);
    repliesDropped++;
    log.warn(
      { chat: w.chat, waitMs: Math.round(waitMs), maxWaitMs: replyMaxWaitMs },
      "reply dropped: it would wait too long for Telegram's flood limits",
    );
    w.reject(new ReplyDroppedError(w.chat, waitMs));
  }

  /** Grants every slot that is due, drops replies past hope, and sets the one timer. */
  function pump(): void {
    const at = now();
    sweep(at);
    for (;;) {
      const g = globalReady();
      if (g > at) break;
      const w = firstEligible(at);
      if (!w) break;
      grant(w, at, Math.max(g, w.since, chatReady(w.chat)));
    }
    for (const w of [...replies]) {
      const earliest = Math.max(chatReady(w.chat), globalPausedUntil, at);
      if (earliest > w.deadline || at >= w.deadline) drop(w, earliest - w.since);
    }
    arm(at);
  }

  function arm(at: number): void {
    let wake = Number.POSITIVE_INFINITY;
    if (replies.length || posts.length) {
      const g = globalReady();
      for (const w of replies) wake = Math.min(wake, Math.max(g, chatReady(w.chat)), w.deadline);
      for (const w of posts) wake = Math.min(wake, Math.max(g, chatReady(w.chat)));
    }
    if (wake === timerAt) return;
    if (timer) clearTimeout(timer);
    timer = undefined;
    timerAt = wake;
    if (Number.isFinite(wake)) {
      timer = setTimeout(
        () => {
          timer = undefined;
          timerAt = Number.POSITIVE_INFINITY;
          pump();
        },
        Math.max(1, Math.ceil(wake - at)),
      );
    }
  }

  /**
   * A gated call's answer came back: the chat's window counts from now instead of from the
   * grant. Telegram measures its per-chat limits by arrival; a request held up on the way
   * (a fresh connection, a busy event loop) would otherwise reach it less than a second after
   * the previous one did. Only per chat: doing this for the global pace would cost a round trip
   * of every second's throughput.
   */
  function settled(chat: ChatId | undefined, grantedAt: number): void {
    if (chat === undefined) return;
    const c = chats.get(chat);
    if (!c) return;
    const at = now();
    c.lastSentAt = Math.max(c.lastSentAt, at);
    if (c.group) {
      const i = c.recent.lastIndexOf(grantedAt);
      if (i >= 0) {
        c.recent[i] = at;
        c.recent.sort((a, b) => a - b);
      }
    }
    pump();
  }

  /** acquire, resolving with the grant time. */
  function take(chat: ChatId | undefined, priority: Priority, signal?: AbortSignal): Promise<number> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const at = now();
    if (priority === "reply") {
      // Replies already waiting for this chat go first, a second each at least.
      const ahead = chat === undefined ? 0 : (waitingFor.get(chat) ?? 0);
      const earliest = Math.max(
        Math.max(chatReady(chat), at) + ahead * PER_CHAT_INTERVAL_MS,
        globalPausedUntil,
      );
      if (earliest - at > replyMaxWaitMs) {
        repliesDropped++;
        log.warn(
          { chat, waitMs: Math.round(earliest - at), maxWaitMs: replyMaxWaitMs },
          "reply dropped: it would wait too long for Telegram's flood limits",
        );
        return Promise.reject(new ReplyDroppedError(chat, earliest - at));
      }
    }
    return new Promise<number>((resolve, reject) => {
      const w: Waiter = {
        chat,
        priority,
        since: at,
        deadline: priority === "reply" ? at + replyMaxWaitMs : Number.POSITIVE_INFINITY,
        resolve,
        reject,
      };
      if (signal) {
        const onAbort = () => {
          remove(w);
          reject(abortReason(signal));
          pump();
        };
        signal.addEventListener("abort", onAbort, { once: true });
        w.cleanup = () => signal.removeEventListener("abort", onAbort);
      }
      (priority === "reply" ? replies : posts).push(w);
      if (chat !== undefined) waitingFor.set(chat, (waitingFor.get(chat) ?? 0) + 1);
      pump();
    });
  }

  function onFlood(chat: ChatId | undefined, retryAfterS: number): void {
    const at = now();
    flood429++;
    const until = at + Math.max(0, retryAfterS) * 1000;
    opts.onPause?.(chat, until);
    if (chat === undefined) {
      globalPausedUntil = Math.max(globalPausedUntil, until);
      log.warn({ retryAfter: retryAfterS }, "429 without a chat: pausing every send");
    } else {
      const c = chatState(chat);
      c.pausedUntil = Math.max(c.pausedUntil, until);
      log.warn({ chat, retryAfter: retryAfterS }, "429: pausing this chat");
      recentFloods = recentFloods.filter((f) => f.at > at - GLOBAL_FLOOD_WINDOW_MS && f.chat !== chat);
      recentFloods.push({ at, chat, until });
      if (recentFloods.length >= GLOBAL_FLOOD_CHATS) {
        const longest = Math.max(...recentFloods.map((f) => f.until));
        if (longest > globalPausedUntil) {
          globalPausedUntil = longest;
          opts.onPause?.(undefined, longest);
          log.warn(
            { chats: recentFloods.map((f) => f.chat), until: new Date(longest).toISOString() },
            "429s from several chats at once: pausing every send",
          );
        }
      }
    }
    pump();
  }

  return {
    transformer: (priority) => budgetTransformer({ take, settled, onFlood, replyMaxWaitMs }, priority),
    acquire: (chat, priority, signal) => take(chat, priority, signal).then(() => undefined),
    chatReadyAt(chat) {
      const at = now();
      sweep(at);
      const ahead = waitingFor.get(chat) ?? 0;
      const ready = Math.max(0, chatReady(chat));
      return ahead ? Math.max(ready, at) + ahead * PER_CHAT_INTERVAL_MS : ready;
    },
    globalReadyAt() {
      const base = Math.max(0, globalReady());
      let ahead = 0;
      for (const w of replies) if (chatReady(w.chat) <= base) ahead++;
      return base + ahead * pacer.interval;
    },
    onFlood,
    restorePause(chat, until) {
      if (chat === undefined) globalPausedUntil = Math.max(globalPausedUntil, until);
      else {
        const c = chatState(chat);
        c.pausedUntil = Math.max(c.pausedUntil, until);
      }
      pump();
    },
    stats: () => ({
      flood429,
      repliesDropped,
      repliesWaiting: replies.length,
      postsWaiting: posts.length,
      globalPausedUntil,
      granted,
      chats: chats.size,
    }),
  };
}

/** The signal's reason; grammY's polyfilled signals have none, so an AbortError stands in. */
function abortReason(signal: AbortSignal): unknown {
  if (signal.reason !== undefined) return signal.reason;
  const error = new Error("This operation was aborted");
  error.name = "AbortError";
  return error;
}
