import type { FeedState } from "../domain/types.js";
import { FetchError } from "./fetch.js";

/**
 * A feed's failed read, in its state: the failure count, the cycles to skip (1, 2, 4 …,
 * capped, so a feed that recovers is read again soon), a server's Retry-After, and when the
 * next try is expected (for /feeds). Returns the message and the skip, for the log line.
 */
export function recordFailure(
  state: FeedState,
  cycle: number,
  error: unknown,
  opts: { now: number; backoffMaxCycles: number; cycleMs: number },
): { error: string; skip: number } {
  const message = error instanceof Error ? error.message : String(error);
  state.failures += 1;
  const skip = Math.min(2 ** (state.failures - 1), opts.backoffMaxCycles);
  state.skipUntilCycle = cycle + 1 + skip;
  // While a feed fails the backoff decides when it is read, not its publishing pace.
  state.nextReadAt = undefined;
  const retryAfter = error instanceof FetchError ? error.extra.retryAfterMs : undefined;
  state.notBefore = retryAfter !== undefined ? opts.now + retryAfter : undefined;
  state.lastCheckedAt = state.lastErrorAt = new Date(opts.now).toISOString();
  state.lastError = message;
  state.nextAttemptAt = new Date(
    Math.max(opts.now + (skip + 1) * opts.cycleMs, state.notBefore ?? 0),
  ).toISOString();
  return { error: message, skip };
}
