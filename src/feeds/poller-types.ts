import type { FeedErrorReason } from "../domain/feeds.js";
import type { FeedItem, FeedSource, StoredItem } from "../domain/types.js";
import type { Logger } from "../log.js";
import type { FeedStateRepo, ItemsRepo, MetaRepo, SeenRepo } from "../store/repos.js";
import type { ArticleReader } from "./article.js";
import type { Fetcher } from "./fetch.js";
import type { ReadHints } from "./read.js";
import type { ScheduleLimits } from "./schedule.js";

/** What the poller needs, what it reports: apart from poller.ts, so that file stays readable. */

export interface PollerDeps {
  fetcher: Fetcher;
  feedStates: FeedStateRepo;
  seen: SeenRepo;
  items: ItemsRepo;
  meta: MetaRepo;
  log: Logger;
  /** The feeds to poll, read at each cycle (admins add and remove feeds at run time). */
  feeds: () => FeedSource[] | Promise<FeedSource[]>;
  /** Reads the article pages of announced items whose feed text is a teaser (optional). */
  articles?: ArticleReader | undefined;
  /** An abstractive summary of an announced item, once per item (optional; undefined: extractive). */
  summarize?: ((item: FeedItem) => Promise<string | undefined>) | undefined;
  /** Operator feeds are trusted; feeds added through the bot are SSRF-guarded. */
  isTrusted: (feed: FeedSource) => boolean;
  /**
   * Receives new items (of one or several feeds), stored and oldest first per feed, before
   * they are marked seen: if it throws, they stay unseen and are offered again next cycle,
   * so nothing is lost.
   */
  onNewItems: (items: StoredItem[]) => Promise<void>;
  /**
   * Receives items already seen whose entry changed since the last read (a corrected title or
   * lead), at most CHANGED_MAX a read; only for feeds read entry by entry (see chunks.ts), so
   * an unchanged feed costs nothing. A failure is logged; the read goes on.
   */
  onChangedItems?: ((items: FeedItem[]) => Promise<void>) | undefined;
  baselineAnnounce: number;
  /**
   * At most this many new items of one feed are announced per read (a CMS re-publishing its
   * archive must not flood the chats); the rest are stored and counted, not posted.
   */
  maxAnnounce: number;
  backoffMaxCycles: number;
  concurrency: number;
  /** Minutes east of UTC for dates written without a zone (the site's own time zone). */
  offsetMin: number;
  /** Typical time between cycles, to show when a backed-off feed will be tried again. */
  cycleMs: number;
  /** The feeds paused for failing too long (read once a day), read at each cycle. */
  pausedFeeds?: (() => Promise<Set<string>>) | undefined;
  /** Each feed read of a cycle (not the skipped ones): how it ended and how long it took (metrics). */
  onRead?: ((feed: string, outcome: "ok" | "not_modified" | "error", seconds: number) => void) | undefined;
  /**
   * Adaptive polling (POLL_MIN, POLL_MAX; see schedule.ts): a feed is read when it is due, up
   * to `slackMs` early (the tick that comes just before). Unset: every feed at every cycle.
   */
  schedule?: (ScheduleLimits & { slackMs: number }) | undefined;
  /** The feeds a WebSub hub pushes (polled at POLL_MAX as a safety net), read at each cycle. */
  pushedFeeds?: (() => Promise<Set<string>>) | undefined;
  /** After each good read: the hubs and topic the feed names (WebSub discovery). */
  onHints?: ((feed: FeedSource, hints: ReadHints) => void) | undefined;
  /** Reads in a row got the feed through permanent redirects only, to `to`: move it there. */
  onMoved?: ((feed: FeedSource, to: string) => Promise<void>) | undefined;
  now?: () => number;
}

export type FeedOutcome =
  | { feed: string; status: "new" | "baseline"; items: number; fresh: number; fixes: string[] }
  | { feed: string; status: "not-modified" | "unchanged"; items: number }
  | { feed: string; status: "skipped"; until: string }
  | {
      feed: string;
      status: "error";
      error: string;
      failures: number;
      reason: FeedErrorReason;
      httpStatus?: number;
    };

export interface CycleResult {
  cycle: number;
  outcomes: FeedOutcome[];
  newItems: number;
  ms: number;
}

export interface Poller {
  /** One cycle over every feed; never throws for a feed's failure. */
  runCycle(): Promise<CycleResult>;
  /** Reads one feed now, ignoring backoff (for /addfeed and preview). */
  pollFeed(feed: FeedSource, cycle: number, force?: boolean): Promise<FeedOutcome>;
  /** A document a WebSub hub pushed for this feed, read as a fetch of it (no backoff on error). */
  ingest(feed: FeedSource, body: Buffer, contentType: string | undefined): Promise<FeedOutcome>;
}
