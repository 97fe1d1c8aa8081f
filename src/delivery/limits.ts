/**
 * Telegram's flood limits (Bot FAQ): about 30 messages per second overall, one per second per
 * chat, and 20 per minute per group or channel. A 429 pauses only the chat it came from.
 */
export const PER_CHAT_INTERVAL_MS = 1000;
export const GROUP_PER_MINUTE = 20;

/** Spaces sends evenly at `ratePerSecond` (no bursts, so no one-second window ever exceeds it). */
export function createPacer(ratePerSecond: number, now: () => number) {
  const interval = 1000 / ratePerSecond;
  let next = 0;
  return {
    /** When the next send may start. */
    readyAt: () => next,
    take() {
      next = Math.max(next, now()) + interval;
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
