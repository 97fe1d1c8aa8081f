import {
  type FeedItem,
  type FeedSource,
  type FeedState,
  newFeedState,
  publishedMs,
} from "../domain/types.js";
import type { Logger } from "../log.js";
import { enrichItems } from "./article.js";
import { failedRead } from "./backoff.js";
import type { Fetcher } from "./fetch.js";
import { noteMove } from "./moves.js";
import type { CycleResult, FeedOutcome, Poller, PollerDeps } from "./poller-types.js";
import { type ReadHints, readErrorReason, readFeed } from "./read.js";
import { isPending, readAll } from "./read-all.js";
import { notePublished, scheduleNext } from "./schedule.js";
import { createSettle, type Pending } from "./settle.js";

/** Changed entries of one read handed to onChangedItems: a CMS re-saving its archive is no correction wave. */
const CHANGED_MAX = 20;

export type { CycleResult, FeedOutcome, Poller, PollerDeps };

/** How often a paused feed is tried. */
export const PAUSED_EVERY_MS = 86_400_000;

export function createPoller(deps: PollerDeps): Poller {
  const log = deps.log.child({ component: "poller" });
  const now = deps.now ?? Date.now;
  let paused = new Set<string>();
  let pushed = new Set<string>();

  /** After a good read: the pace of the feed updated, and when it is due next. */
  function reschedule(
    feed: FeedSource,
    state: FeedState,
    hints: ReadHints,
    fresh: number[],
    push: boolean,
  ): void {
    state.recentPublished = notePublished(state.recentPublished, fresh, now());
    deps.onHints?.(feed, hints);
    // A push went through no redirect: only the polls count reads toward a move.
    if (!push && noteMove(state, feed.url, hints.movedTo) && hints.movedTo && deps.onMoved) {
      const to = hints.movedTo;
      void deps
        .onMoved(feed, to)
        .catch((err: unknown) => log.warn({ err, feed: feed.name }, "could not move the feed"));
    }
    // A feed being pushed is one (a standby reading a push has not loaded the set).
    if (deps.schedule) scheduleNext(state, feed, hints, push || pushed.has(feed.name), now(), deps.schedule);
  }

  /**
   * Fetches, parses and stores one feed's new items. What it returns as Pending still has to
   * be settled: planned (with other feeds' items, in one batch) and then marked seen.
   */
  async function read(
    feed: FeedSource,
    cycle: number,
    force: boolean,
    known?: FeedState,
    /** A WebSub push: its document read in place of a fetch (see ingest). */
    pushedDoc?: Fetcher,
  ): Promise<Pending | FeedOutcome> {
    const state = known ?? (await deps.feedStates.get(feed.name)) ?? newFeedState(feed.name, feed.url);
    if (state.url !== feed.url) {
      // The operator pointed the name at another URL: old validators and digests do not apply.
      Object.assign(state, {
        url: feed.url,
        etag: undefined,
        lastModified: undefined,
        entryDigests: undefined,
        nextReadAt: undefined,
        movedTo: undefined,
        movedReads: undefined,
      });
    }
    if (!force && (cycle < state.skipUntilCycle || (state.notBefore ?? 0) > now())) {
      return { feed: feed.name, status: "skipped", until: state.nextAttemptAt ?? "" };
    }
    if (!force && deps.schedule && state.nextReadAt && state.nextReadAt > now() + deps.schedule.slackMs) {
      return { feed: feed.name, status: "skipped", until: new Date(state.nextReadAt).toISOString() };
    }
    // A paused feed (failing for FEED_PAUSE_AFTER) is read once a day, until it answers again.
    const lastTry = state.lastCheckedAt ? Date.parse(state.lastCheckedAt) : 0;
    if (!force && paused.has(feed.name) && now() - lastTry < PAUSED_EVERY_MS) {
      return { feed: feed.name, status: "skipped", until: new Date(lastTry + PAUSED_EVERY_MS).toISOString() };
    }
    const flog = log.child({ feed: feed.name });
    const started = now();
    const previous = {
      etag: state.etag,
      lastModified: state.lastModified,
      entryDigests: state.entryDigests,
      recentPublished: state.recentPublished,
      nextReadAt: state.nextReadAt,
      readEveryMs: state.readEveryMs,
    };
    try {
      const res = await readFeed(
        pushedDoc ?? deps.fetcher,
        feed.name,
        { url: feed.url, kind: feed.kind, trusted: deps.isTrusted(feed) },
        { etag: state.etag, lastModified: state.lastModified },
        {
          offsetMin: deps.offsetMin,
          // Entries of the last settled document are not parsed again (a baseline reads all).
          skip: state.baselineDone && state.entryDigests?.length ? new Set(state.entryDigests) : undefined,
          label: feed.label,
        },
      );
      // A push says nothing of whether the feed itself can be read: its health is the polls'.
      if (!pushedDoc) {
        state.lastCheckedAt = new Date(now()).toISOString();
        Object.assign(state, {
          failures: 0,
          skipUntilCycle: 0,
          notBefore: undefined,
          lastSuccessAt: state.lastCheckedAt,
          nextAttemptAt: undefined,
        });
      }
      if (res.status === "not-modified") {
        reschedule(feed, state, res.hints, [], !!pushedDoc);
        await deps.feedStates.save(state);
        flog.debug("not modified");
        return { feed: feed.name, status: "not-modified", items: state.itemsKnown };
      }
      if (res.fixes.length) flog.warn({ fixes: res.fixes }, "feed was not well-formed; repaired");
      state.title = res.title ?? state.title;
      // A pushed document (often only the new entries) has no validators, and its digests
      // are not the feed's: the next poll compares with what the last poll saw.
      if (!pushedDoc) {
        state.etag = res.validators.etag;
        state.lastModified = res.validators.lastModified;
        // Saved only with the items settled: a failed settle restores `previous`.
        state.entryDigests = res.digests;
      }

      // Entries that are no item are not posted; /feeds shows how many. (Their digests are
      // never remembered, so every read parses and counts them again.)
      const rejected = (res.rejected.placeholder ?? 0) + (res.rejected["no-title-or-link"] ?? 0);
      if (rejected)
        flog.info({ rejected: res.rejected }, "entries without a usable title or link are not posted");
      state.itemsRejected = rejected || undefined;
      const unseenFlags = await deps.seen.filterUnseen(
        feed.name,
        res.entries.map((e) => e.keys),
      );
      const unseen = res.entries.filter((_, i) => unseenFlags[i]);
      reschedule(
        feed,
        state,
        res.hints,
        unseen.map((e) => publishedMs(e.head)),
        !!pushedDoc,
      );
      // Entries read again because their raw text changed (digests let unchanged ones be skipped).
      if (deps.onChangedItems && res.digests) {
        const changed = res.entries.filter((_, i) => !unseenFlags[i]).slice(0, CHANGED_MAX);
        if (changed.length)
          await deps.onChangedItems(changed.map((e) => e.complete())).catch((err: unknown) => {
            flog.warn({ err }, "could not check changed items for corrections");
          });
      }
      const baseline = !state.baselineDone;
      // A new feed announces only its newest few; the rest are marked seen silently. A read
      // with more new items than maxAnnounce announces the newest and holds the rest.
      const limit = baseline ? deps.baselineAnnounce : deps.maxAnnounce;
      const chosen =
        unseen.length > limit
          ? [...unseen].sort((a, b) => publishedMs(b.head) - publishedMs(a.head)).slice(0, limit)
          : unseen;
      const held = baseline ? 0 : unseen.length - chosen.length;
      if (held > 0) {
        flog.warn(
          { held, announced: chosen.length },
          "more new items than one read may announce; the rest are stored, not posted",
        );
        state.itemsHeld += held;
      }
      const announce = new Set(chosen);
      // Once per item, before any chat is planned: article pages, abstractive summaries.
      const full = await enrichItems(
        chosen.map((e) => e.complete()),
        feed,
        deps.isTrusted(feed),
        deps,
      );
      const complete = new Map<string, FeedItem>(full.map((it) => [it.id, it]));
      // Announced ones in full, the others as headlines for /latest; oldest first, so
      // deliveries are planned (and sent) in that order. Stored with the batch, in settle().
      const kept = unseen
        .map((e, i) => ({ item: announce.has(e) ? (complete.get(e.head.id) ?? e.head) : e.head, i }))
        .sort((a, b) => publishedMs(a.item) - publishedMs(b.item) || b.i - a.i)
        .map((x) => x.item);
      const outcome: FeedOutcome =
        unseen.length || baseline
          ? {
              feed: feed.name,
              status: baseline ? "baseline" : "new",
              items: res.total,
              fresh: chosen.length,
              fixes: res.fixes,
            }
          : { feed: feed.name, status: "unchanged", items: res.total };
      return {
        feed,
        state,
        previous,
        flog,
        cycle,
        started,
        kept,
        announce: new Set(complete.keys()),
        seenKeys: unseen.flatMap((e) => e.keys),
        outcome,
      };
    } catch (error) {
      // Keep the old validators: a 304 next time must not hide items that were never handed on.
      Object.assign(state, previous);
      if (!pushedDoc) return failed(feed, state, cycle, error, flog);
      // A bad push is the hub's problem, not the feed's: no backoff, the next poll decides.
      flog.warn({ err: error }, "a pushed update could not be read");
      return {
        feed: feed.name,
        status: "error",
        error: (error as Error).message ?? String(error),
        failures: state.failures,
        reason: readErrorReason(error),
      };
    }
  }

  const settle = createSettle({
    ...deps,
    now,
    failed: (p, error) => failed(p.feed, p.state, p.cycle, error, p.flog),
  });

  async function pollFeed(
    feed: FeedSource,
    cycle: number,
    force = false,
    pushed?: Fetcher,
  ): Promise<FeedOutcome> {
    const r = await read(feed, cycle, force, undefined, pushed);
    return isPending(r) ? ((await settle([r]))[0] as FeedOutcome) : r;
  }

  /** A failed read: backoff recorded in the feed's state (saved), and the outcome. */
  const failed = (feed: FeedSource, state: FeedState, cycle: number, error: unknown, flog: Logger) =>
    failedRead(feed, state, cycle, error, flog, { ...deps, now: now() });

  return {
    pollFeed: (feed, cycle, force) => pollFeed(feed, cycle, force),
    ingest(feed, body, contentType) {
      const source: Fetcher = {
        fetch: async () => ({ status: "ok", url: feed.url, body, contentType }),
        close: () => undefined,
      };
      return pollFeed(feed, 0, true, source);
    },
    async runCycle() {
      const started = now();
      const cycle = await deps.meta.nextCycle();
      const feeds = await deps.feeds();
      paused = (await deps.pausedFeeds?.().catch(() => undefined)) ?? paused;
      pushed = (await deps.pushedFeeds?.().catch(() => undefined)) ?? pushed;
      // Every feed's state in a few reads, not one per feed.
      const states = new Map<string, FeedState>();
      for (let i = 0; i < feeds.length; i += 500) {
        const slice = feeds.slice(i, i + 500);
        (await deps.feedStates.getMany(slice.map((f) => f.name))).forEach((st, k) => {
          if (st) states.set((slice[k] as FeedSource).name, st);
        });
      }
      const outcomes = await readAll({
        feeds,
        concurrency: deps.concurrency,
        read: (feed) => read(feed, cycle, false, states.get(feed.name)),
        settle,
        onRead: deps.onRead,
        now,
      });
      const newItems = outcomes.reduce((n, o) => n + ("fresh" in o ? o.fresh : 0), 0);
      const ms = now() - started;
      // A tick that found no feed due is no news (one comes every minute).
      const readCount = outcomes.filter((o) => o.status !== "skipped").length;
      (readCount ? log.info : log.debug).call(
        log,
        { cycle, feeds: feeds.length, read: readCount, newItems, ms },
        "cycle done",
      );
      return { cycle, outcomes, newItems, ms };
    },
  };
}
