import type { Config } from "./config.js";
import type { FeedItem } from "./domain/types.js";
import { type ArticleReader, createArticleReader } from "./feeds/article.js";
import { createFetcher } from "./feeds/fetch.js";
import type { Logger } from "./log.js";
import type { CounterRepo } from "./store/counters.js";
import { SUMMARY_CHARS } from "./telegram/render.js";
import { createAbstractive, loadPrompt } from "./text/abstractive.js";

export interface SummaryParts {
  /** Reads the article pages of teaser items (ARTICLE_TIMEOUT_MS, ARTICLE_HOST_CONCURRENCY). */
  articles: ArticleReader | undefined;
  /** An abstractive summary per item when SUMMARY_API_URL is set; undefined otherwise. */
  summarize: ((item: FeedItem) => Promise<string | undefined>) | undefined;
  close(): void;
}

/** The parts that make what a post says, beyond the feed's own text (see README "Summaries"). */
export function createSummaryParts(deps: {
  config: Config;
  log: Logger;
  counters: CounterRepo;
}): SummaryParts {
  const { config, log } = deps;
  // Article pages: the feed fetcher's limits, their own (shorter) timeout, so a slow page never
  // holds a post.
  const pageFetcher = createFetcher({
    timeoutMs: config.ARTICLE_TIMEOUT_MS,
    connectTimeoutMs: Math.min(config.CONNECT_TIMEOUT_MS, config.ARTICLE_TIMEOUT_MS),
    maxBytes: config.FETCH_MAX_BYTES,
    maxRedirects: config.FETCH_MAX_REDIRECTS,
    allowPrivate: config.ALLOW_PRIVATE_FEEDS,
  });
  const articles = createArticleReader({
    fetcher: pageFetcher,
    timeoutMs: config.ARTICLE_TIMEOUT_MS,
    perHost: config.ARTICLE_HOST_CONCURRENCY,
    log,
  });
  const abstractive = config.SUMMARY_API_URL
    ? createAbstractive({
        url: config.SUMMARY_API_URL,
        apiKey: config.SUMMARY_API_KEY,
        model: config.SUMMARY_MODEL,
        prompt: loadPrompt(config.SUMMARY_PROMPT_FILE),
        timeoutMs: config.SUMMARY_TIMEOUT_MS,
        // One atomic counter in the database: the cap holds across instances.
        takeQuota: () => deps.counters.take("summary-api", config.SUMMARY_DAILY_CAP),
        log,
      })
    : undefined;
  return {
    articles: config.ARTICLE_PAGES === "never" ? undefined : articles,
    summarize: abstractive
      ? async (item) => {
          const r = await abstractive.summarize({
            title: item.title,
            text: item.text,
            maxChars: SUMMARY_CHARS.normal,
          });
          return r.ok ? r.text : undefined;
        }
      : undefined,
    close: () => pageFetcher.close(),
  };
}
