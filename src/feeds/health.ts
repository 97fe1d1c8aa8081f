import type { FeedErrorReason } from "../domain/feeds.js";
import type { Logger } from "../log.js";
import type { FeedHealthRepo } from "../store/repos.js";

/** What the check reads of a cycle's outcome for one feed (see poller.ts FeedOutcome). */
export interface ReadResult {
  feed: string;
  status: string;
  failures?: number;
  reason?: FeedErrorReason;
  httpStatus?: number;
}

/** A note to the bot's admins: which message, about which feed. */
export type HealthNote =
  | {
      kind: "alert";
      feed: string;
      since: number;
      tries: number;
      reason: FeedErrorReason;
      httpStatus?: number | undefined;
    }
  | { kind: "recovered"; feed: string; since: number }
  | { kind: "paused"; feed: string; since: number }
  /** The feed moved for good (permanent redirects): read at its new address from now on. */
  | { kind: "moved"; feed: string; since: number; from: string; to: string };

export interface HealthDeps {
  health: FeedHealthRepo;
  log: Logger;
  /** Tells each bot admin (their language, a private message); failures are the notifier's to log. */
  notify: (note: HealthNote) => Promise<void>;
  /** A feed failing this long (and at least MIN_TRIES times) is reported (FEED_ALERT_AFTER). */
  alertAfterMs: number;
  /** A feed failing this long is paused: read once a day (FEED_PAUSE_AFTER). */
  pauseAfterMs: number;
  now?: () => number;
}

/** A feed is reported only after this many failed reads, however long they took. */
export const MIN_TRIES = 3;

/**
 * After each poll cycle: a feed failing for FEED_ALERT_AFTER (at least three reads) is
 * reported to the bot's admins once, a feed failing for FEED_PAUSE_AFTER is paused (and they
 * are told), and a reported or paused feed that answers again is reported recovered. Each
 * note follows a compare-and-swap in the database, so it is sent once whichever instance
 * polls.
 */
export function createFeedHealth(deps: HealthDeps) {
  const log = deps.log.child({ component: "feed-health" });
  const now = deps.now ?? Date.now;
  const tell = (note: HealthNote) =>
    deps
      .notify(note)
      .catch((err: unknown) => log.warn({ err, feed: note.feed }, "could not tell the admins"));

  return {
    async check(results: ReadResult[]): Promise<void> {
      const known = await deps.health.all();
      for (const r of results) {
        if (r.status === "skipped") continue;
        if (r.status !== "error") {
          if (!known.has(r.feed)) continue;
          const was = await deps.health.recovered(r.feed);
          if (was && (was.alertedAt !== undefined || was.pausedAt !== undefined)) {
            log.info({ feed: r.feed, since: new Date(was.failingSince).toISOString() }, "feed recovered");
            void tell({ kind: "recovered", feed: r.feed, since: was.failingSince });
          }
          continue;
        }
        const at = now();
        const row = await deps.health.failing(r.feed, at, r.reason ?? "other", r.httpStatus);
        const tries = r.failures ?? 1;
        if (row.alertedAt === undefined && tries >= MIN_TRIES && at - row.failingSince >= deps.alertAfterMs) {
          if (await deps.health.markAlerted(r.feed, at)) {
            log.warn({ feed: r.feed, tries, reason: r.reason }, "feed failing: admins told");
            void tell({
              kind: "alert",
              feed: r.feed,
              since: row.failingSince,
              tries,
              reason: r.reason ?? "other",
              httpStatus: r.httpStatus,
            });
          }
        }
        if (row.pausedAt === undefined && at - row.failingSince >= deps.pauseAfterMs) {
          if (await deps.health.markPaused(r.feed, at)) {
            log.warn({ feed: r.feed }, "feed paused: read once a day until it answers or /resumefeed");
            void tell({ kind: "paused", feed: r.feed, since: row.failingSince });
          }
        }
      }
    },
  };
}
