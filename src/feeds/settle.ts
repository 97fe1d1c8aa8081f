import type { FeedItem, FeedSource, FeedState } from "../domain/types.js";
import type { Logger } from "../log.js";
import type { FeedOutcome, PollerDeps } from "./poller-types.js";

/** A feed read whose new items are stored but not yet planned nor marked seen. */
export interface Pending {
  feed: FeedSource;
  state: FeedState;
  /** What a failed read or settle puts back: validators and digests of the last settled read. */
  previous: Pick<
    FeedState,
    "etag" | "lastModified" | "entryDigests" | "recentPublished" | "nextReadAt" | "readEveryMs"
  >;
  flog: Logger;
  cycle: number;
  started: number;
  /** New items to store, oldest first: announced ones in full, the others as headlines. */
  kept: FeedItem[];
  /** Ids of the kept items that are announced. */
  announce: Set<string>;
  seenKeys: string[];
  outcome: FeedOutcome;
}

export function createSettle(
  deps: Pick<PollerDeps, "seen" | "items" | "feedStates" | "onNewItems"> & {
    now: () => number;
    /** Records one feed's failure (backoff, state saved) and gives its outcome. */
    failed: (p: Pending, error: unknown) => Promise<FeedOutcome>;
  },
) {
  /** Every feed of a failed batch: its old validators back, its failure recorded. */
  const failAll = (batch: Pending[], error: unknown) =>
    Promise.all(
      batch.map((p) => {
        Object.assign(p.state, p.previous);
        return deps.failed(p, error);
      }),
    );

  /**
   * Plans the new items of several feeds at once (one sink call: one planner batch instead
   * of a transaction per feed), then marks them seen and saves each feed's state. If planning
   * fails, nothing is marked seen: the items are offered again next cycle.
   */
  return async function settle(batch: Pending[]): Promise<FeedOutcome[]> {
    if (batch.length === 0) return [];
    try {
      // The batch's new items stored in a few statements, before anything is planned.
      const stored = await deps.items.store(batch.flatMap((p) => p.kept));
      const announced = new Set(
        batch.flatMap((p) => [...p.announce].map((id) => `${p.feed.name}\u0000${id}`)),
      );
      const planned = stored.filter((s) => announced.has(`${s.item.feed}\u0000${s.item.id}`));
      if (planned.length) await deps.onNewItems(planned);
    } catch (error) {
      return failAll(batch, error);
    }
    try {
      // Three statements for the whole batch: seen ids, item counts, feed states.
      await deps.seen.markSeenMany(batch.map((p) => ({ feed: p.feed.name, keys: p.seenKeys })));
      const changed = batch.filter((p) => p.seenKeys.length).map((p) => p.feed.name);
      const counts = changed.length ? await deps.items.countMany(changed) : new Map<string, number>();
      for (const p of batch) {
        const n = counts.get(p.feed.name);
        if (n !== undefined) p.state.itemsKnown = n;
        p.state.baselineDone = true;
      }
      await deps.feedStates.saveMany(batch.map((p) => p.state));
    } catch (error) {
      // Planned already: the unique key keeps a second planning from doubling anything.
      return failAll(batch, error);
    }
    return batch.map((p) => {
      const fresh = "fresh" in p.outcome ? p.outcome.fresh : 0;
      p.flog.debug({ fresh, ms: deps.now() - p.started }, "feed read");
      return p.outcome;
    });
  };
}
