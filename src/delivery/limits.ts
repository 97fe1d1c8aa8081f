/**
 * Telegram's flood limits (Bot FAQ): about 30 messages per second overall, one per second per
 * chat, and 20 per minute per group or channel. A 429 pauses only the chat it came from.
 */
export const PER_CHAT_INTERVAL_MS = 1000;
export const GROUP_PER_MINUTE = 20;

/**
 * Spaces sends evenly at `ratePerSecond`. A small allowance (1/20 s worth of sends) absorbs
 * timer jitter at high paid-broadcast rates without letting any one-second window exceed the
 * rate by more than that allowance; at the default 25/s it is a single send, i.e. no burst.
 */
export function createPacer(ratePerSecond: number, now: () => number) {
  const interval = 1000 / ratePerSecond;
  const allowance = Math.max(1, Math.floor(ratePerSecond / 20));
  let next = 0;
  return {
    /** When the next send may start. */
    readyAt: () => next,
    take() {
      next = Math.max(next, now() - (allowance - 1) * interval) + interval;
    },
  };
}

/** Per-chat bookkeeping of when it may be sent to again. */
export class ChatWindow {
  pausedUntil = 0;
  lastSentAt = 0;
  private recent: number[] = [];

  constructor(readonly isGroup: boolean) {}

  readyAt(now: number): number {
    let at = Math.max(this.pausedUntil, this.lastSentAt + PER_CHAT_INTERVAL_MS);
    if (this.isGroup) {
      this.recent = this.recent.filter((t) => t > now - 60_000);
      if (this.recent.length >= GROUP_PER_MINUTE) at = Math.max(at, (this.recent[0] as number) + 60_000);
    }
    return at;
  }

  sent(at: number): void {
    this.lastSentAt = at;
    if (this.isGroup) this.recent.push(at);
  }
}

/**
 * How late (ms) a send may start behind its slot and still keep that slot's place in the
 * pace. Timers fire a millisecond or a few late, and more under load; without this credit every
 * late send pushes all later ones back (`createPacer` at 29/s reached only 27.6/s).
 */
export const PACE_TOLERANCE_MS = 20;

/** The global pace of the flood budget (see `createRatePacer`). */
export interface RatePacer {
  /** Milliseconds between sends at the configured rate. */
  readonly interval: number;
  /** Most sends any one-second window may hold: `rate` plus `floor(rate · tolerance / 1000)`. */
  readonly windowCap: number;
  /** Earliest time the next send may start. */
  readyAt(): number;
  /**
   * Counts a send that started at `at`. `due` is when it could first have started (the pacer
   * was ready and a sender was eligible); lateness behind it up to the tolerance is credited.
   */
  take(at: number, due: number): void;
}

/**
 * The global pace: evenly spaced slots (`next` advances by 1000/rate per send) plus a hard
 * sliding-window cap (the last `windowCap` send times in a ring: a send may not start before
 * the oldest of them + 1000 ms). A send that starts late behind its slot by at most
 * `toleranceMs` keeps the slot's phase (`next = max(next, due, at − tolerance) + interval`), so
 * timer lateness is not lost on every send; after idle (`due` = now) no burst builds up. The
 * window cap then bounds every one-second window to `rate` at ordinary rates (below 50/s the
 * allowance is 0) and to `rate` + 2 % at paid-broadcast rates, where one timer tick carries
 * several sends.
 */
export function createRatePacer(ratePerSecond: number, toleranceMs = PACE_TOLERANCE_MS): RatePacer {
  if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) {
    throw new RangeError(`rate must be a positive number of messages per second (got ${ratePerSecond})`);
  }
  const interval = 1000 / ratePerSecond;
  const windowCap = Math.max(1, Math.floor(ratePerSecond + (ratePerSecond * toleranceMs) / 1000));
  const ring = new Float64Array(windowCap);
  let head = 0;
  let count = 0;
  let next = Number.NEGATIVE_INFINITY;
  return {
    interval,
    windowCap,
    readyAt() {
      const windowFree = count < windowCap ? Number.NEGATIVE_INFINITY : (ring[head] as number) + 1000;
      return Math.max(next, windowFree);
    },
    take(at, due) {
      next = Math.max(next, Math.min(due, at), at - toleranceMs) + interval;
      ring[head] = at;
      head = (head + 1) % windowCap;
      if (count < windowCap) count++;
    },
  };
}
