import type { FeedSource, FeedState } from "../domain/types.js";

/**
 * Adaptive polling: when a feed is read next. A feed that publishes often is read often, a
 * quiet one rarely, always between POLL_MIN and POLL_MAX; what the server asks for (RSS ttl,
 * Cache-Control max-age, Expires, Retry-After) only ever makes the wait longer, up to POLL_MAX
 * (the operator's bound on staleness). A feed pushed by a WebSub hub is read at POLL_MAX, as
 * a safety net; a fixed `every=` is used as it is.
 */

const WEEK_MS = 7 * 86_400_000;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Publication times kept per feed (a feed of 100 items a day keeps five days). */
const RECENT_MAX = 500;

export interface ScheduleLimits {
  minMs: number;
  maxMs: number;
}

/** What the last answer asked for: how long it stays fresh. */
export interface FreshnessHints {
  ttlMs?: number | undefined;
  maxAgeMs?: number | undefined;
  expiresInMs?: number | undefined;
  retryAfterMs?: number | undefined;
}

export interface ScheduleInput {
  now: number;
  /** Publication times of the items that appeared in the last week. */
  recentPublished: readonly number[];
  hints?: FreshnessHints | undefined;
  /** `every=`: a fixed interval. */
  fixedMs?: number | undefined;
  /** A WebSub hub pushes this feed's updates. */
  pushed?: boolean | undefined;
}

/**
 * The wait before the next read, ms. The pace is the busiest of the last week's, day's and
 * hour's (a feed that starts a live blog is followed within the hour, and slows down again as
 * the burst leaves the window); an item then waits on average a quarter of the gap between
 * items (the read comes at half of it).
 */
export function readInterval(input: ScheduleInput, limits: ScheduleLimits): number {
  const clamp = (ms: number) => Math.min(limits.maxMs, Math.max(limits.minMs, ms));
  if (input.fixedMs !== undefined)
    return input.pushed ? Math.max(input.fixedMs, limits.maxMs) : input.fixedMs;
  if (input.pushed) return limits.maxMs;
  const week = input.recentPublished.filter((t) => t > input.now - WEEK_MS).length;
  const day = input.recentPublished.filter((t) => t > input.now - DAY_MS).length;
  const hour = input.recentPublished.filter((t) => t > input.now - HOUR_MS).length;
  const perMs = Math.max(week / WEEK_MS, day / DAY_MS, hour / HOUR_MS);
  const pace = perMs > 0 ? 1 / perMs / 2 : limits.maxMs;
  const h = input.hints ?? {};
  const asked = Math.max(h.ttlMs ?? 0, h.maxAgeMs ?? 0, h.expiresInMs ?? 0, h.retryAfterMs ?? 0);
  return Math.round(clamp(Math.max(pace, asked)));
}

/**
 * The publication times to keep after a read that found `fresh` new items: their dates, or
 * now for an undated or future-dated one; those older than a week are dropped (a CMS
 * re-publishing its archive does not make a feed look busy).
 */
export function notePublished(
  previous: readonly number[] | undefined,
  fresh: number[],
  now: number,
): number[] {
  const added = fresh.map((t) => (t > 0 && t <= now ? t : now));
  return [...(previous ?? []), ...added]
    .filter((t) => t > now - WEEK_MS)
    .sort((a, b) => a - b)
    .slice(-RECENT_MAX);
}

/** Writes into a feed's state when it is read next, after its pace and what its answer asked. */
export function scheduleNext(
  state: FeedState,
  feed: FeedSource,
  hints: FreshnessHints,
  pushed: boolean,
  now: number,
  limits: ScheduleLimits,
): void {
  const every = readInterval(
    { now, recentPublished: state.recentPublished ?? [], hints, fixedMs: feed.everyMs, pushed },
    limits,
  );
  state.readEveryMs = every;
  state.nextReadAt = now + every;
  state.nextAttemptAt = new Date(state.nextReadAt).toISOString();
}
