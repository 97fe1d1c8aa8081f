import { createHash } from "node:crypto";
import type { FeedItem } from "../domain/types.js";
import { removeFurniture } from "../text/furniture.js";
import { type HtmlText, htmlToText, inlineText } from "../text/html.js";
import { titleText } from "../text/title.js";
import type { ParsedFeed, RawItem } from "./parse.js";
import { sourceLabel } from "./source.js";

const TRACKING =
  /^(?:utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|mc_cid|mc_eid|igshid|_ga|_gl|ref_src|cmpid|zarsrc|gidzl)$/i;

/** Absolute http(s) URL without tracking parameters or fragment; undefined if not a web URL. */
export function canonicalLink(raw: string | undefined, base?: string): string | undefined {
  const trimmed = raw?.trim();
  if (!trimmed) return undefined;
  let url: URL;
  try {
    url = base ? new URL(trimmed, base) : new URL(trimmed);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  url.hash = "";
  for (const key of [...url.searchParams.keys()]) if (TRACKING.test(key)) url.searchParams.delete(key);
  return url.toString().replace(/\?$/, "");
}

const ZONES: Record<string, number> = {
  GMT: 0,
  UT: 0,
  UTC: 0,
  Z: 0,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
  ICT: 420,
};

/**
 * Parses a feed date and keeps the offset it was written with. Also reads the `29/02/2024 15:30`
 * form some Vietnamese sites use, in `defaultOffsetMin`.
 */
export function parseFeedDate(raw: string | undefined, defaultOffsetMin = 420): string | undefined {
  const s = raw?.trim();
  if (!s) return undefined;
  const dmy = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
  let ms: number;
  let offset: number;
  if (dmy) {
    const [d, m, y, hh, mm, ss] = dmy.slice(1).map((v) => Number(v ?? 0)) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    ms = Date.UTC(y, m - 1, d, hh, mm, ss) - defaultOffsetMin * 60_000;
    offset = defaultOffsetMin;
  } else {
    ms = Date.parse(s);
    if (Number.isNaN(ms)) return undefined;
    const num = /([+-])(\d{2}):?(\d{2})$/.exec(s);
    const named = ZONES[/\b([A-Z]{1,4})$/.exec(s)?.[1] ?? ""];
    if (num) offset = (num[1] === "-" ? -1 : 1) * (Number(num[2]) * 60 + Number(num[3]));
    else if (named !== undefined) offset = named;
    else if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(s)) {
      // An ISO date-time without a zone is the site's local time, not this machine's.
      ms = Date.parse(`${s.replace(" ", "T")}${formatWithOffset(0, defaultOffsetMin).slice(19)}`);
      offset = defaultOffsetMin;
    } else offset = 0;
  }
  if (!Number.isFinite(ms)) return undefined;
  return formatWithOffset(ms, offset);
}

export function formatWithOffset(ms: number, offsetMin: number): string {
  const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 19);
  if (offsetMin === 0) return `${local}Z`;
  const sign = offsetMin < 0 ? "-" : "+";
  const abs = Math.abs(offsetMin);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

function hashId(...parts: string[]): string {
  return `h:${createHash("sha256").update(parts.join("\u0000")).digest("base64url").slice(0, 22)}`;
}

/** The item's id and every other key that must count as "the same item" when deduplicating. */
export function dedupeKeys(item: FeedItem): string[] {
  return item.link && item.link !== item.id ? [item.id, item.link] : [item.id];
}

/**
 * An entry identified cheaply (id, link, title, date) with the costly part, HTML → text and
 * image, deferred: a poll mostly sees items it already knows, and only new ones need a body.
 */
export interface Entry {
  /** The item without text, image, categories or author. */
  head: FeedItem;
  /**
   * Every key under which the entry counts as seen: its id, its link, and a fingerprint of
   * its title, date and text, so a feed that changes both guid and link on every read still
   * posts the story once.
   */
  keys: string[];
  complete(): FeedItem;
}

/** Why an entry is not an item: nothing to link nor name, or a CMS's placeholder. */
export type Rejection = "no-title-or-link" | "placeholder";

/** Titles CMSs put on entries that have none (an item titled so is not posted). */
const PLACEHOLDER_TITLE =
  /^(?:no description|no title|untitled(?: item| post)?|\(no title\)|không có tiêu đề|không tiêu đề|chưa có tiêu đề|tiêu đề|title|null|undefined|none|n\/a|[\p{P}\p{S}\s]*)$/iu;

export function isPlaceholderTitle(title: string): boolean {
  return PLACEHOLDER_TITLE.test(title.trim());
}

/** A date more than this far ahead is a CMS's mistake (year 9999), not a publication date. */
const FUTURE_SLACK_MS = 36 * 3_600_000;

/** The feed's source line, once per document rather than once per entry (the last one kept). */
let lastSource: { key: string; text: string | undefined } | undefined;
function feedSource(feed: Pick<ParsedFeed, "title" | "link">, label: string | undefined): string | undefined {
  const key = `${feed.title ?? ""}\u0000${feed.link ?? ""}\u0000${label ?? ""}`;
  if (lastSource?.key !== key) {
    const title = feed.title ? inlineText(feed.title) : undefined;
    lastSource = { key, text: sourceLabel(title, feed.link, label) };
  }
  return lastSource.text;
}

export interface IdentifyOptions {
  /** Minutes east of UTC for dates written without a zone. */
  offsetMin?: number | undefined;
  /** The feed's configured display name (FEEDS `label=`), shown as the source. */
  label?: string | undefined;
  now?: number | undefined;
  /** Told why an entry is not an item. */
  onReject?: ((reason: Rejection, raw: RawItem) => void) | undefined;
}

export function identifyItem(
  raw: RawItem,
  feedName: string,
  feed: Pick<ParsedFeed, "title" | "link">,
  options: IdentifyOptions | number = {},
): Entry | undefined {
  const opts = typeof options === "number" ? { offsetMin: options } : options;
  const base = feed.link && /^https?:/i.test(feed.link.trim()) ? feed.link.trim() : undefined;
  const link = canonicalLink(raw.link, base);
  let title = raw.title ? titleText(raw.title, raw.titleType) : "";
  let body: HtmlText | undefined;
  const bodyText = () => {
    body ??= itemBody(raw.content, raw.summary);
    return body;
  };
  if (title && isPlaceholderTitle(title)) {
    opts.onReject?.("placeholder", raw);
    return undefined;
  }
  // Untitled entries (microblogs) get their first words as a title.
  if (!title && link) title = removeFurniture(bodyText().text).split(/\n/)[0]?.slice(0, 120) ?? "";
  if (!title || isPlaceholderTitle(title)) {
    opts.onReject?.(link ? "placeholder" : "no-title-or-link", raw);
    return undefined;
  }
  let published = parseFeedDate(raw.date, opts.offsetMin ?? 420);
  if (published && Date.parse(published) > (opts.now ?? Date.now()) + FUTURE_SLACK_MS) published = undefined;
  const guid = raw.guid?.trim().normalize("NFC");
  const id =
    (guid && /^https?:\/\//i.test(guid) ? canonicalLink(guid) : guid) ||
    link ||
    hashId(title, published ?? "");
  const head: FeedItem = {
    id,
    feed: feedName,
    title,
    link,
    text: "",
    published,
    categories: [],
    source: feedSource(feed, opts.label),
  };
  return {
    head,
    keys: [...dedupeKeys(head), ...fingerprint(title, published, raw)],
    complete() {
      const { text, firstImage } = bodyText();
      return {
        ...head,
        text: removeFurniture(text),
        image: [...raw.images, firstImage].map((u) => canonicalImage(u, link ?? base)).find(Boolean),
        categories: [...new Set(raw.categories.map((c) => inlineText(c)).filter(Boolean))],
        author: raw.author ? inlineText(raw.author) || undefined : undefined,
      };
    },
  };
}

export function normalizeItem(
  raw: RawItem,
  feedName: string,
  feed: Pick<ParsedFeed, "title" | "link">,
  options: IdentifyOptions | number = 420,
): FeedItem | undefined {
  return identifyItem(raw, feedName, feed, options)?.complete();
}

/**
 * An item's body as text: its content, after its description when that is a sapo the content
 * lacks (feeds that carry the body in content:encoded often keep the lead only in
 * <description>, as the page keeps it outside the article's container).
 */
export function itemBody(content: string | undefined, summary: string | undefined): HtmlText {
  const main = htmlToText(content ?? summary ?? "");
  if (!content || !summary || summary === content) return main;
  const sapo = htmlToText(summary);
  const lead = removeFurniture(sapo.text);
  if (lead.length < 40) return main;
  // A body whose first paragraph is the sapo's beginning (its first sentence, say) gets the
  // whole sapo in its place: the figures are often in the sapo's second sentence. A first
  // paragraph that only starts like the sapo and goes on differently is the body's own.
  const cut = main.text.indexOf("\n\n");
  const first = cut < 0 ? main.text : main.text.slice(0, cut);
  const opening = lead.slice(0, 60);
  let body = main.text;
  if (lead.length > first.length && lead.startsWith(first) && first.length >= 40)
    body = cut < 0 ? "" : main.text.slice(cut + 2);
  else if (main.text.slice(0, 3000).includes(opening)) return main;
  return {
    text: body ? `${lead}\n\n${body}` : lead,
    firstImage: main.firstImage ?? sapo.firstImage,
    images: main.images.length ? main.images : sapo.images,
  };
}

/**
 * The story's fingerprint, when it can tell one story from another: its title and its time of
 * publication (to the minute; a date without a time says too little: two "Bản tin thời sự" of
 * one day are two stories), or, without a time, its title and body (markup kept, so two
 * notices that differ only by their attachment's link stay two). Short bodies give none.
 */
function fingerprint(title: string, published: string | undefined, raw: RawItem): string[] {
  let what: string;
  if (published && !/T00:00(?::00)?/.test(published)) what = published;
  else {
    const body = (raw.content ?? raw.summary ?? "").slice(0, 4000).replace(/\s+/g, " ").trim();
    if (body.replace(/<[^>]*>/g, "").trim().length < 80) return [];
    what = `${published ?? ""}\u0000${body}`;
  }
  return [
    `fp:${createHash("sha256").update(`${title.toLowerCase()}\u0000${what}`).digest("base64url").slice(0, 22)}`,
  ];
}

/** An image URL made absolute against `base`; undefined unless http(s). */
export function canonicalImage(url: string | undefined, base: string | undefined): string | undefined {
  const trimmed = url?.trim().replace(/&amp;/g, "&");
  if (!trimmed) return undefined;
  try {
    const u = base ? new URL(trimmed, base) : new URL(trimmed);
    return u.protocol === "https:" || u.protocol === "http:" ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}
