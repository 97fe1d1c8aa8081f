import type { ArticleMode, FeedItem, FeedSource } from "../domain/types.js";
import type { Logger } from "../log.js";
import { decodeHtml } from "./decode.js";
import { extractArticle } from "./extract.js";
import type { Fetcher } from "./fetch.js";

/**
 * An item whose own text is shorter than this is a teaser (VnExpress: one sentence of about
 * 150–250 characters); in `auto` mode its article page is read. Full-text feeds carry
 * thousands of characters.
 */
export const TEASER_CHARS = 500;

export interface ArticleDeps {
  /** A fetcher with the feed fetcher's limits and ARTICLE_TIMEOUT_MS as its timeout. */
  fetcher: Fetcher;
  /** ARTICLE_TIMEOUT_MS: no post waits longer than this for its page. */
  timeoutMs: number;
  /** Pages read at once from one host (1–2: a news site is not to be hammered). */
  perHost: number;
  log: Logger;
  now?: () => number;
}

export interface ArticleReader {
  /**
   * The items with their article's text and image where the page could be read in time;
   * the others as they were. Never throws and never takes longer than the timeout.
   */
  enrich(items: FeedItem[], feed: FeedSource, trusted: boolean): Promise<FeedItem[]>;
}

export function articleMode(feed: FeedSource): ArticleMode {
  // A local file's links are the operator's demo: not fetched unless asked for.
  return feed.article ?? (feed.kind === "file" ? "never" : "auto");
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}

export function createArticleReader(deps: ArticleDeps): ArticleReader {
  const log = deps.log.child({ component: "article" });
  const now = deps.now ?? Date.now;
  // Per host: pages being read, and the reads waiting for a turn (process-wide, all feeds).
  const hosts = new Map<string, { active: number; waiting: Array<() => void> }>();

  /** A turn at `host`, or false when the deadline passes first. */
  function acquire(host: string, deadline: number): Promise<boolean> {
    let slot = hosts.get(host);
    if (!slot) {
      slot = { active: 0, waiting: [] };
      hosts.set(host, slot);
    }
    const h = slot;
    if (h.active < deps.perHost) {
      h.active++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const go = () => {
        clearTimeout(timer);
        h.active++;
        resolve(true);
      };
      const timer = setTimeout(
        () => {
          h.waiting.splice(h.waiting.indexOf(go), 1);
          resolve(false);
        },
        Math.max(0, deadline - now()),
      );
      h.waiting.push(go);
    });
  }

  function release(host: string): void {
    const h = hosts.get(host);
    if (!h) return;
    h.active--;
    const next = h.waiting.shift();
    if (next) next();
    else if (h.active === 0) hosts.delete(host);
  }

  async function read(item: FeedItem, link: string, trusted: boolean, deadline: number): Promise<FeedItem> {
    const host = hostOf(link) as string;
    if (!(await acquire(host, deadline))) {
      log.debug(
        { feed: item.feed, host },
        "no turn at the host before the deadline; the feed's text is used",
      );
      return item;
    }
    try {
      // Aborted at the deadline, so the host's turn is free again for the next item.
      const res = await deps.fetcher.fetch({ url: link, kind: "http", trusted, timeoutMs: deadline - now() });
      if (res.status !== "ok") return item;
      if (res.contentType && !/html|xml/i.test(res.contentType)) return item;
      const page = await extractArticle(decodeHtml(res.body, res.contentType), res.url);
      const text =
        page.text.length > item.text.length
          ? page.text
          : (page.description?.length ?? 0) > item.text.length
            ? (page.description as string)
            : item.text;
      log.debug({ feed: item.feed, chars: text.length, image: !!page.image }, "article read");
      return { ...item, text, image: page.image ?? item.image };
    } catch (error) {
      log.info(
        { feed: item.feed, err: (error as Error).message, code: (error as { code?: string }).code },
        "article page not read; the feed's text is used",
      );
      return item;
    } finally {
      release(host);
    }
  }

  return {
    async enrich(items, feed, feedTrusted) {
      const mode = articleMode(feed);
      if (mode === "never" || items.length === 0) return items;
      const deadline = now() + deps.timeoutMs;
      const feedHost = feed.kind === "http" ? hostOf(feed.url) : undefined;
      return Promise.all(
        items.map((item) => {
          if (!item.link || (mode === "auto" && item.text.length >= TEASER_CHARS)) return item;
          const link = item.link;
          // Pages on the trusted feed's own host are trusted like it; any other goes through the guard.
          const trusted = feedTrusted && feedHost !== undefined && hostOf(link) === feedHost;
          let timer: NodeJS.Timeout | undefined;
          const late = new Promise<FeedItem>((resolve) => {
            timer = setTimeout(() => resolve(item), Math.max(0, deadline - now()));
          });
          return Promise.race([read(item, link, trusted, deadline), late]).finally(() => clearTimeout(timer));
        }),
      );
    },
  };
}

/**
 * The announced items of one read, made whole: their article pages read (teasers, bounded by
 * ARTICLE_TIMEOUT_MS), then an abstractive summary each when one is configured. Never throws.
 */
export async function enrichItems(
  items: FeedItem[],
  feed: FeedSource,
  trusted: boolean,
  deps: {
    articles?: ArticleReader | undefined;
    summarize?: ((item: FeedItem) => Promise<string | undefined>) | undefined;
  },
): Promise<FeedItem[]> {
  if (items.length === 0) return items;
  const read = deps.articles ? await deps.articles.enrich(items, feed, trusted) : items;
  const summarize = deps.summarize;
  if (!summarize) return read;
  return Promise.all(
    read.map(async (it) => {
      const summary = await summarize(it).catch(() => undefined);
      return summary ? { ...it, summary } : it;
    }),
  );
}
