import type { FeedSource } from "../domain/types.js";
import type { FeedOutcome, PollerDeps } from "./poller-types.js";
import type { Pending } from "./settle.js";

/** New items are settled in batches of up to this many items or feeds. */
const SETTLE_ITEMS = 500;
const SETTLE_FEEDS = 200;

export const isPending = (r: Pending | FeedOutcome): r is Pending => "kept" in r;

/**
 * One cycle's reads, `concurrency` at a time; their new items are settled in batches of up to
 * SETTLE_ITEMS items or SETTLE_FEEDS feeds (bounded memory, few planner transactions), one
 * batch at a time. Returns each feed's outcome, in the order of `feeds`.
 */
export async function readAll(opts: {
  feeds: FeedSource[];
  concurrency: number;
  read: (feed: FeedSource) => Promise<Pending | FeedOutcome>;
  settle: (batch: Pending[]) => Promise<FeedOutcome[]>;
  onRead: PollerDeps["onRead"];
  now: () => number;
}): Promise<FeedOutcome[]> {
  const { feeds, settle, now } = opts;
  const outcomes: FeedOutcome[] = new Array(feeds.length);
  let batch: Array<{ index: number; pending: Pending }> = [];
  let batchItems = 0;
  let settling: Promise<void> = Promise.resolve();
  const flush = () => {
    const mine = batch;
    batch = [];
    batchItems = 0;
    settling = settling.then(async () => {
      const done = await settle(mine.map((b) => b.pending));
      mine.forEach((b, k) => {
        outcomes[b.index] = done[k] as FeedOutcome;
      });
    });
    return settling;
  };
  let next = 0;
  const worker = async () => {
    while (next < feeds.length) {
      const i = next++;
      const feed = feeds[i] as FeedSource;
      const readAt = now();
      const r = await opts.read(feed);
      const outcome = isPending(r) ? "ok" : r.status;
      if (outcome !== "skipped")
        opts.onRead?.(
          feed.name,
          outcome === "error" ? "error" : outcome === "not-modified" ? "not_modified" : "ok",
          (now() - readAt) / 1000,
        );
      if (!isPending(r)) {
        outcomes[i] = r;
        continue;
      }
      batch.push({ index: i, pending: r });
      batchItems += r.kept.length;
      if (batchItems >= SETTLE_ITEMS || batch.length >= SETTLE_FEEDS) await flush();
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, feeds.length) }, worker));
  await flush();
  return outcomes;
}
