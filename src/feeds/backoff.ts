import type { FeedSource, FeedState } from "../domain/types.js";
import type { Logger } from "../log.js";
import type { FeedStateRepo } from "../store/repos.js";
import { FetchError } from "./fetch.js";
import type { FeedOutcome } from "./poller-types.js";
import { readErrorReason } from "./read.js";

/** The longest a server's Retry-After holds a feed back. */
export const RETRY_AFTER_MAX_MS = 86_400_000;

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
  // At most a day: a server's "Retry-After: 999999999" must not silence a feed for decades.
  state.notBefore =
    retryAfter !== undefined ? opts.now + Math.min(retryAfter, RETRY_AFTER_MAX_MS) : undefined;
  state.lastCheckedAt = state.lastErrorAt = new Date(opts.now).toISOString();
  state.lastError = message;
  state.nextAttemptAt = new Date(
    Math.max(opts.now + (skip + 1) * opts.cycleMs, state.notBefore ?? 0),
  ).toISOString();
  return { error: message, skip };
}

/** A failed read: backoff recorded in the feed's state (saved), logged, and its outcome. */
export async function failedRead(
  feed: FeedSource,
  state: FeedState,
  cycle: number,
  error: unknown,
  flog: Logger,
  opts: { now: number; backoffMaxCycles: number; cycleMs: number; feedStates: FeedStateRepo },
): Promise<FeedOutcome> {
  const outcome = recordFailure(state, cycle, error, opts);
  flog.warn(
    {
      err: outcome.error,
      code: (error as { code?: string }).code,
      failures: state.failures,
      skipCycles: outcome.skip,
    },
    "feed failed",
  );
  try {
    await opts.feedStates.save(state);
  } catch (saveError) {
    flog.error({ err: saveError }, "could not save feed state");
  }
  const httpStatus = (error as { extra?: { httpStatus?: number } })?.extra?.httpStatus;
  return {
    feed: feed.name,
    status: "error",
    error: outcome.error,
    failures: state.failures,
    reason: readErrorReason(error),
    ...(httpStatus ? { httpStatus } : {}),
  };
}
