import type { FeedItem } from "../domain/types.js";
import { summarize, truncateAtWord } from "../text/summary.js";
import { escapeAttr, escapeHtml } from "./html.js";

/** Telegram's limits, counted after entity parsing in UTF-16 units. */
export const MESSAGE_LIMIT = 4096;
export const CAPTION_LIMIT = 1024;
const TITLE_MAX = 300;

import type { Language, SummaryLength } from "../domain/types.js";

export type { Language, SummaryLength };

export const SUMMARY_CHARS: Record<SummaryLength, number> = { short: 280, normal: 600, long: 1400 };

const LABELS = {
  vi: { readMore: "Đọc tiếp", locale: "vi-VN" },
  en: { readMore: "Read more", locale: "en-GB" },
} as const;

export interface RenderOptions {
  language: Language;
  timeZone: string;
  /** Budget for the summary before Telegram's own limits. */
  summaryChars: number;
  /** Send as a photo with a caption when the item has an image. */
  withImage: boolean;
  /** A text post shows Telegram's large link-preview card of the article (the "card" layout). */
  card?: boolean | undefined;
  /** "Read more" as an inline URL button instead of a link in the text. */
  readButton?: boolean | undefined;
}

export interface Post {
  /** Telegram HTML: the message text, or the caption when `photo` is set. */
  text: string;
  parseMode: "HTML";
  photo?: string | undefined;
  /** The same post as plain text (fallback when Telegram rejects the HTML). */
  plain: string;
  /** "Read more" as a URL button (RenderOptions.readButton), else undefined. */
  button?: { text: string; url: string } | undefined;
  /** The article's link for a large preview card (RenderOptions.card, text posts only). */
  previewUrl?: string | undefined;
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();
const formatted = new Map<string, string>();

/** `29/02/2024 15:30` in the configured time zone. */
export function formatDateTime(iso: string | undefined, timeZone: string): string | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return undefined;
  // Building an Intl.DateTimeFormat costs far more than formatting with one: keep one per zone.
  let format = dateFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      day: "2-digit",
      month: "2-digit",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    dateFormats.set(timeZone, format);
  }
  const key = `${timeZone}|${ms}`;
  let text = formatted.get(key);
  if (text === undefined) {
    const parts: Record<string, string> = {};
    for (const p of format.formatToParts(ms)) parts[p.type] = p.value;
    text = `${parts.day}/${parts.month}/${parts.year} ${parts.hour}:${parts.minute}`;
    // A post is laid out more than once and a fan-out renders the same item many times.
    if (formatted.size >= 1024) formatted.clear();
    formatted.set(key, text);
  }
  return text;
}

interface Layout {
  title: string;
  meta: string;
  more: string;
  photo?: string | undefined;
  /** Characters left for the summary. */
  room: number;
}

function layout(item: FeedItem, opts: RenderOptions): Layout {
  const photo = opts.withImage ? item.image : undefined;
  const limit = photo ? CAPTION_LIMIT : MESSAGE_LIMIT;
  const title = truncateAtWord(item.title, TITLE_MAX);
  const meta = [formatDateTime(item.published, opts.timeZone), item.source, item.categories[0]]
    .filter((x): x is string => !!x)
    .map((x) => truncateAtWord(x, 80))
    .join(" · ");
  // With the button the link is not in the text, and takes no room there.
  const more = item.link && !opts.readButton ? `${LABELS[opts.language].readMore} →` : "";
  // Visible characters of everything but the summary, including the blank lines between blocks.
  const fixed = title.length + (meta ? meta.length + 1 : 0) + (more ? more.length + 2 : 0);
  const room = Math.max(0, Math.min(opts.summaryChars, limit - fixed - 2));
  return { title, meta, more, photo, room: room >= 20 ? room : 0 };
}

/** How many characters the summary of `item` may take in a post made with `opts`. */
export function summaryBudget(item: FeedItem, opts: RenderOptions): number {
  return layout(item, opts).room;
}

/**
 * One post: bold title, a line with time · source · category, the summary, a "read more"
 * link. Every piece is measured as plain text before escaping, so the visible length is
 * known exactly and always within Telegram's limit; the summary absorbs what is left.
 */
export function renderPost(item: FeedItem, opts: RenderOptions): Post {
  const room = summaryBudget(item, opts);
  // The abstractive summary when it fits this post; the extractive one otherwise (short posts).
  const text = !room
    ? ""
    : item.summary && item.summary.length <= room
      ? item.summary
      : summarize(item.title, item.text, { maxChars: room });
  return formatPost(item, text, opts);
}

/** The post around an already made summary (cut again to the budget, so any text is safe). */
export function formatPost(item: FeedItem, summaryText: string, opts: RenderOptions): Post {
  const { title, meta, more, photo, room } = layout(item, opts);
  const summary = room ? truncateAtWord(summaryText, room) : "";
  const limit = photo ? CAPTION_LIMIT : MESSAGE_LIMIT;
  const html: string[] = [`<b>${escapeHtml(title)}</b>`];
  const plain: string[] = [title];
  if (meta) {
    html.push(`\n<i>${escapeHtml(meta)}</i>`);
    plain.push(`\n${meta}`);
  }
  if (summary) {
    html.push(`\n\n${escapeHtml(summary)}`);
    plain.push(`\n\n${summary}`);
  }
  if (more && item.link) {
    html.push(`\n\n<a href="${escapeAttr(item.link)}">${escapeHtml(more)}</a>`);
    plain.push(`\n\n${LABELS[opts.language].readMore}: ${item.link}`);
  }
  return {
    text: html.join(""),
    parseMode: "HTML",
    photo,
    plain: truncateAtWord(plain.join(""), limit),
    ...(opts.readButton && item.link
      ? { button: { text: `${LABELS[opts.language].readMore} →`, url: item.link } }
      : {}),
    ...(opts.card && !photo && item.link ? { previewUrl: item.link } : {}),
  };
}
