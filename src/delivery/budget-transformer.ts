import type { Transformer } from "grammy";
import { type ChatId, GATED_METHODS, type Priority } from "./budget-types.js";

/** retry_after assumed when a 429 carries none. */
const DEFAULT_RETRY_AFTER_S = 5;

/** What the transformer needs of the budget's scheduler. */
export interface BudgetCore {
  /** Waits for a slot; resolves with the grant time. */
  take(chat: ChatId | undefined, priority: Priority, signal?: AbortSignal): Promise<number>;
  /** The call's answer came back (the chat's window counts from now). */
  settled(chat: ChatId | undefined, grantedAt: number): void;
  onFlood(chat: ChatId | undefined, retryAfterS: number): void;
  replyMaxWaitMs: number;
}

/**
 * The grammY side of the flood budget: every call's answer is checked for 429 (recorded as a
 * pause of that chat, or of everything); message-sending calls (GATED_METHODS) first wait for
 * their slot. A reply whose 429 asks for a short wait is tried once more after it; a post never
 * (the worker decides). The 429 result itself is returned, so grammY throws its GrammyError.
 */
export function budgetTransformer(core: BudgetCore, priority: Priority): Transformer {
  return async (prev, method, payload, signal) => {
    // grammY types its signal with the abort-controller polyfill; on Node it is the global one.
    const abort = signal as AbortSignal | undefined;
    const chat = chatIdOf(payload);
    if (!GATED_METHODS.has(method)) {
      const res = await prev(method, payload, signal);
      const wait = floodWait(res);
      if (wait !== undefined) core.onFlood(chat, wait);
      return res;
    }
    const send = async () => {
      const grantedAt = await core.take(chat, priority, abort);
      try {
        return await prev(method, payload, signal);
      } finally {
        core.settled(chat, grantedAt);
      }
    };
    const first = await send();
    const retryAfter = floodWait(first);
    if (retryAfter === undefined) return first;
    core.onFlood(chat, retryAfter);
    if (priority !== "reply" || retryAfter * 1000 > core.replyMaxWaitMs) return first;
    // Waits until retry_after has passed (the pause just recorded), or is dropped.
    const second = await send();
    const again = floodWait(second);
    if (again !== undefined) core.onFlood(chat, again);
    return second;
  };
}

export function chatIdOf(payload: unknown): ChatId | undefined {
  if (!payload || typeof payload !== "object") return undefined;
  const id = (payload as { chat_id?: unknown }).chat_id;
  if (typeof id === "number") return id;
  if (typeof id === "string") return /^-?\d+$/.test(id) ? Number(id) : id;
  return undefined;
}

/** retry_after (s) of a 429 result, else undefined. */
export function floodWait(res: unknown): number | undefined {
  const r = res as { ok?: boolean; error_code?: number; parameters?: { retry_after?: number } } | undefined;
  if (r?.ok !== false || r.error_code !== 429) return undefined;
  const s = r.parameters?.retry_after;
  return typeof s === "number" && s >= 0 ? s : DEFAULT_RETRY_AFTER_S;
}
