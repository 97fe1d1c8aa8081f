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
