/**
 * The types every layer shares. Imports run downwards: feeds, text, delivery, telegram and
 * store all import from here; this file imports nothing of theirs.
 */

export type Language = "vi" | "en";
export type SummaryLength = "short" | "normal" | "long";

/**
 * When the article page is fetched for an item's text: `auto` when the feed's text is only a
 * teaser (see feeds/article.ts), `always`, or `never` (the feed's text is used as it is).
 */
export type ArticleMode = "auto" | "always" | "never";

/** `name=url`, a URL or a file path (from FEEDS or /addfeed), with its options. */
export interface FeedSource {
  /** Short name people type in commands (`/subscribe hatinh`). */
  name: string;
  /** http(s) URL or absolute file path. */
  url: string;
  kind: "http" | "file";
  /** `article=`: default auto. */
  article?: ArticleMode | undefined;
  /** `label=`: the source line of its posts, instead of the one made from the feed's title. */
  label?: string | undefined;
  /** `every=`: read at this fixed interval (ms) instead of the adaptive one. */
  everyMs?: number | undefined;
}

/** An article after normalisation: what the store keeps and what posts are made from. */
export interface FeedItem {
  /** Stable id within its feed: the guid, else the canonical link, else a hash of title + date. */
  id: string;
  /** Name of the feed it came from (FEEDS `name=`). */
  feed: string;
  title: string;
  /** Canonical link: tracking parameters and fragment removed. */
  link?: string | undefined;
  /** Article text, NFC, paragraphs separated by a blank line. */
  text: string;
  image?: string | undefined;
  /** ISO 8601 with the offset the feed wrote, e.g. 2024-02-29T15:30:00+07:00. */
  published?: string | undefined;
  categories: string[];
  author?: string | undefined;
  /** The feed's own title, shown as the source. */
  source?: string | undefined;
  /** An abstractive summary (SUMMARY_API_URL), made once per item; the extractive one otherwise. */
  summary?: string | undefined;
}

/** A stored item: its row id (what deliveries reference) and the article. */
export interface StoredItem {
  rowId: number;
  item: FeedItem;
}

/** What the poller remembers about one feed between cycles (also shown by /feeds). */
export interface FeedState {
  name: string;
  url: string;
  title?: string | undefined;
  etag?: string | undefined;
  lastModified?: string | undefined;
  /** False until the first successful read, which marks everything seen (no flood on add). */
  baselineDone: boolean;
  /** Consecutive failed cycles. */
  failures: number;
  /** The feed is not fetched before this cycle number (exponential backoff). */
  skipUntilCycle: number;
  /** Retry-After from the server, epoch ms. */
  notBefore?: number | undefined;
  lastCheckedAt?: string | undefined;
  lastSuccessAt?: string | undefined;
  lastErrorAt?: string | undefined;
  lastError?: string | undefined;
  /** Estimate for status displays. */
  nextAttemptAt?: string | undefined;
  itemsKnown: number;
  /** New items that were stored but not announced (over the per-read announcement cap). */
  itemsHeld: number;
  /** Entries of the last read that were not items (placeholder title, no title nor link). */
  itemsRejected?: number | undefined;
  /**
   * Digests of the raw entries of the last document whose items were settled (stored,
   * planned, marked seen): entries unchanged since are not parsed again.
   */
  entryDigests?: string[] | undefined;
  /** Epoch ms: the feed is due for its next scheduled read (adaptive polling, see schedule.ts). */
  nextReadAt?: number | undefined;
  /** The interval chosen at the last read, ms (for /feeds). */
  readEveryMs?: number | undefined;
  /** Publication times (epoch ms) of the items that appeared in the last week: its pace. */
  recentPublished?: number[] | undefined;
  /** The address permanent redirects led to at the last reads, and how many reads in a row. */
  movedTo?: string | undefined;
  movedReads?: number | undefined;
}

export function newFeedState(name: string, url: string): FeedState {
  return { name, url, baselineDone: false, failures: 0, skipUntilCycle: 0, itemsKnown: 0, itemsHeld: 0 };
}

/** A chat (or one forum topic of it) that receives posts of some feeds. */
export interface Subscription {
  chatId: number;
  /** Forum topic the subscription was made in; posts go there. */
  threadId?: number | undefined;
  /** Feed names, or "all" (also feeds added later). */
  feeds: string[] | "all";
  /** With "all": the feeds left out (`/unsubscribe X` on an "all" subscription). */
  except?: string[] | undefined;
  chatType: string;
  title?: string | undefined;
  createdBy?: number | undefined;
  createdAt: string;
}

/**
 * A keyword filter of a subscription (/filter): with includes, an item is posted only when it
 * matches one; an exclude always wins. `term` is folded (text/match.ts), `label` as typed.
 */
export interface KeywordFilter {
  term: string;
  label: string;
  include: boolean;
}

/** Bounds of /filter: filters per subscription, characters per term. */
export const MAX_FILTERS = 20;
export const MAX_FILTER_CHARS = 60;

export function wants(sub: Subscription, feed: string): boolean {
  return sub.feeds === "all" ? !(sub.except ?? []).includes(feed) : sub.feeds.includes(feed);
}

export const targetKey = (chatId: number, threadId?: number) => `${chatId}:${threadId ?? 0}`;

/** Per-chat preferences, changed with /settings. */
export interface ChatSettings {
  summary: SummaryLength;
  images: boolean;
  previews: boolean;
  silent: boolean;
  /** "Đọc tiếp" as an inline URL button under the post instead of a link in it. */
  readButton?: boolean | undefined;
  /** Quiet hours in the chat's time zone, [start, end) hours; posts wait and then arrive as one digest. */
  quiet?: { start: number; end: number } | undefined;
  language?: Language | undefined;
  /** The chat's time zone (IANA), for quiet hours, bulletin times and posts' times; else TIMEZONE. */
  timeZone?: string | undefined;
  /** The bulletin (domain/bulletin.ts): besides the instant posts, or instead of them; undefined: off. */
  bulletin?: "also" | "only" | undefined;
  /** Its times, minutes after midnight in the chat's zone; undefined: 06:30 and 18:30. Kept while off. */
  bulletinTimes?: number[] | undefined;
  /** When the bulletin was last turned on or rescheduled (epoch ms): earlier slots are not owed. */
  bulletinSince?: number | undefined;
}

export const DEFAULT_SETTINGS: ChatSettings = {
  summary: "normal",
  images: true,
  previews: false,
  silent: false,
};

/**
 * How a chat's posts look: a photo with the summary as its caption (when the article has an
 * image), text with Telegram's large link-preview card of the article, or compact text. Stored
 * as the two switches it replaced (images, previews), so older releases read it as before.
 */
export type PostLayout = "photo" | "card" | "compact";

export function layoutOf(s: Pick<ChatSettings, "images" | "previews">): PostLayout {
  return s.images ? "photo" : s.previews ? "card" : "compact";
}

/** True when `hour` (0–23) falls in the quiet window, which may wrap past midnight. */
export function inQuietHours(settings: ChatSettings, hour: number): boolean {
  const q = settings.quiet;
  if (!q || q.start === q.end) return false;
  return q.start < q.end ? hour >= q.start && hour < q.end : hour >= q.start || hour < q.end;
}

export type DeliveryStatus = "pending" | "sent" | "dead" | "cancelled";

/** One post owed to one chat (or topic): a row of the delivery queue, referencing a stored item. */
export interface Delivery {
  id: number;
  chatId: number;
  /** 0 when the chat has no topic. */
  threadId: number;
  itemRowId: number;
  feed: string;
  attempts: number;
  /** Not before this time (epoch ms): retry backoff. */
  notBefore: number;
  createdAt: number;
}

export function publishedMs(item: Pick<FeedItem, "published">): number {
  const t = item.published ? Date.parse(item.published) : Number.NaN;
  return Number.isNaN(t) ? 0 : t;
}

export function newestFirst(a: FeedItem, b: FeedItem): number {
  return publishedMs(b) - publishedMs(a);
}

/**
 * What identifies a story across the feeds of a site: its canonical link when it has one
 * (the same article in two feeds is one story), else the feed and its id (two different
 * articles that share a guid in two feeds stay two stories).
 */
export function storyKey(item: Pick<FeedItem, "feed" | "id" | "link">): string {
  return item.link && !isSiteRoot(item.link) ? `link:${item.link}` : `id:${item.feed}|${item.id}`;
}

/** A link to a site's home page says nothing of the article (some CMSs give every item one). */
function isSiteRoot(link: string): boolean {
  try {
    const u = new URL(link);
    return (u.pathname === "/" || u.pathname === "") && !u.search;
  } catch {
    return false;
  }
}
