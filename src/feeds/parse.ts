import Parser from "rss-parser";
import { entryDigest, MAX_DIGESTS, splitEntries } from "./chunks.js";
import { repairXml } from "./repair.js";

/** One entry as the feed gave it, before normalisation (strings may hold HTML and entities). */
export interface RawItem {
  guid?: string | undefined;
  title?: string | undefined;
  /** Atom's title type (text, html, xhtml); RSS titles have none. */
  titleType?: string | undefined;
  link?: string | undefined;
  /** Raw date string as written in the feed (keeps its offset). */
  date?: string | undefined;
  /** HTML or text body: content:encoded, Atom content, description/summary. */
  content?: string | undefined;
  summary?: string | undefined;
  images: string[];
  categories: string[];
  author?: string | undefined;
}

export interface ParsedFeed {
  title?: string | undefined;
  link?: string | undefined;
  /** The entries parsed: all of them, or only those whose digest was not in `skip`. */
  items: RawItem[];
  /** How many entries the document holds, parsed or skipped. */
  total: number;
  /**
   * A digest of each entry's raw text, in document order, when the document could be cut
   * into entries (see chunks.ts): given back as `skip` next time, those entries are not
   * parsed again.
   */
  digests?: string[] | undefined;
  /** With `digests`: the digest of each item in `items`, in the same order. */
  itemDigests?: string[] | undefined;
  /** Repairs applied to make the document parse. */
  fixes: string[];
}

export interface ParseOptions {
  /** Digests of entries already read and settled: they are left out of this parse. */
  skip?: ReadonlySet<string> | undefined;
}

export class FeedParseError extends Error {
  override name = "FeedParseError";
}

type MediaNode = { $?: { url?: string; medium?: string; type?: string } };
type TitleNode = string | { _?: string; $?: { type?: string } } | Record<string, unknown>;
type CustomItem = {
  titleNodes?: TitleNode[];
  mediaContent?: MediaNode[];
  mediaThumbnail?: MediaNode[];
  mediaGroup?: { "media:content"?: MediaNode[]; "media:thumbnail"?: MediaNode[] };
  published?: string;
  updated?: string;
  "dc:date"?: string;
  "content:encoded"?: string;
  description?: string;
  id?: string;
};

const parser: Parser<Record<string, unknown>, CustomItem> = new Parser({
  // `<rss>` without a version attribute is read as RSS 2.0, as browsers and feed readers do.
  defaultRSS: 2,
  customFields: {
    item: [
      ["media:content", "mediaContent", { keepArray: true }],
      ["media:thumbnail", "mediaThumbnail", { keepArray: true }],
      ["media:group", "mediaGroup"],
      ["title", "titleNodes", { keepArray: true }],
      "published",
      "updated",
    ],
  },
});

/** Parses RSS 0.9x/1.0/2.0, Atom or JSON Feed text into raw items; throws FeedParseError. */
export async function parseFeed(text: string, options: ParseOptions = {}): Promise<ParsedFeed> {
  const trimmed = text.replace(/^\uFEFF/, "").trimStart();
  if (trimmed.startsWith("{")) return parseJsonFeed(trimmed);
  if (!trimmed) throw new FeedParseError("empty document");
  const { text: xml, fixes } = repairXml(trimmed);
  if (!/<(?:rss|feed|rdf:RDF|RDF|channel)[\s>]/.test(xml)) {
    throw new FeedParseError(
      /<html[\s>]/i.test(xml) ? "an HTML page, not a feed" : "not an RSS, Atom or JSON feed",
    );
  }
  const split = splitEntries(xml);
  if (!split || split.chunks.length > MAX_DIGESTS) {
    const whole = await parseXml(xml, fixes);
    return { ...whole, total: whole.items.length };
  }
  const digests = split.chunks.map(entryDigest);
  const skip = options.skip;
  if (skip?.size) {
    // The document without the entries read before: the feed's own elements and the new
    // entries, in their order (a repeated entry once).
    const fresh: string[] = [];
    const chunks = split.chunks.filter((_chunk, k) => {
      const d = digests[k] as string;
      if (skip.has(d) || fresh.includes(d)) return false;
      fresh.push(d);
      return true;
    });
    try {
      const part = await parseXml(`${split.before}${chunks.join("\n")}${split.after}`, fixes, chunks);
      // Each kept entry must have become one item (see below); if not, the whole one decides.
      if (part.items.length === chunks.length)
        return { ...part, total: split.chunks.length, digests, itemDigests: fresh };
    } catch {
      // Whatever made the shortened document fail, the whole one decides.
    }
  }
  const whole = await parseXml(xml, fixes, split.chunks);
  // Digests only when every entry the scan found is an item the parser read: an <item> the
  // parser does not see (after a stray </channel>, inside an RSS 1.0 <channel>) must not be
  // remembered as read, or it would be skipped once the feed is fixed.
  if (whole.items.length !== split.chunks.length) return { ...whole, total: whole.items.length };
  return { ...whole, total: whole.items.length, digests, itemDigests: digests };
}

/**
 * `entries`: the raw text of each entry, in document order, when the scan found them (an item
 * is matched to its raw text only when the counts agree).
 */
async function parseXml(
  xml: string,
  fixes: string[],
  entries?: string[],
): Promise<Omit<ParsedFeed, "total">> {
  let feed: Awaited<ReturnType<typeof parser.parseString>>;
  try {
    feed = await parser.parseString(xml);
  } catch (error) {
    // rss-parser dereferences <channel> blindly; a document with no entries at all is an empty
    // feed, not a broken one.
    if (/Cannot read properties of undefined/.test(String(error)) && !/<(?:item|entry)[\s>]/.test(xml)) {
      return { title: undefined, link: undefined, items: [], fixes };
    }
    const message = String((error as Error).message ?? error)
      .split("\n")
      .slice(0, 3)
      .join(" ");
    throw new FeedParseError(`malformed XML: ${message}`);
  }
  const atom = /<feed[\s>]/.test(xml.slice(0, 2000));
  const raw = entries && entries.length === (feed.items ?? []).length ? entries : undefined;
  const items = (feed.items ?? []).map((it, k): RawItem => {
    const any = it as typeof it & { id?: string; guid?: unknown; categories?: unknown[] };
    const node = it.titleNodes?.[0];
    const titleType = typeof node === "object" ? (node.$ as { type?: string } | undefined)?.type : undefined;
    // xml2js keeps an element's text apart from its children's ("Giá <b>xăng</b> giảm" comes
    // back as "Giá  giảm" and "xăng"): an xhtml title is read from the entry's own text.
    const xhtml = titleType === "xhtml" ? xhtmlTitle(raw?.[k]) : undefined;
    return {
      guid: str(any.guid) ?? str(any.id),
      title: titleType === "xhtml" ? (xhtml ?? xhtmlText(node)) : str(it.title),
      // Atom's default type is text; RSS titles have no type (see titleText).
      titleType:
        titleType === "xhtml" ? (xhtml ? "html" : "text") : (titleType ?? (atom ? "text" : undefined)),
      link: str(it.link),
      date: str(it.published) ?? str(it.pubDate) ?? str(it["dc:date"]) ?? str(it.updated) ?? str(it.isoDate),
      content: str(it["content:encoded"]) ?? str(it.content),
      summary: str(it.summary) ?? str(it.content),
      images: mediaImages(it, str(it.enclosure?.url), it.enclosure?.type),
      categories: (any.categories ?? []).map(str).filter((c): c is string => !!c),
      author: str(it.creator) ?? str((it as { author?: unknown }).author),
    };
  });
  return { title: str(feed.title), link: str(feed.link), items, fixes };
}

/**
 * The markup inside an entry's `<title type="xhtml">`, namespace prefixes dropped
 * (`<xhtml:b>` → `<b>`), to be read as an HTML title (tags stripped, entities decoded).
 */
function xhtmlTitle(entry: string | undefined): string | undefined {
  if (!entry) return undefined;
  // The entry's own title: not one inside its <source>, <content>, <summary>, <author> or a
  // media group (those may hold titles of their own, an SVG's say), and without comments.
  const own = entry
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<((?:[\w-]+:)?(?:source|content|summary|author|group))\b[\s\S]*?<\/\1\s*>/g, "");
  const m = /<(?:atom:)?title\b[^>]*\btype\s*=\s*["']xhtml["'][^>]*>([\s\S]*?)<\/(?:atom:)?title\s*>/.exec(
    own,
  );
  if (!m) return undefined;
  const markup = (m[1] ?? "")
    // CDATA is text: escaped here, since the result is read as HTML.
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_all, text: string) =>
      text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"),
    )
    .replace(/<(\/?)[\w-]+:/g, "<$1");
  return str(markup);
}

/** The text of an Atom `type="xhtml"` title as xml2js gives it (its text before its children's). */
function xhtmlText(node: unknown): string | undefined {
  const parts: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === "string") parts.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object")
      for (const [k, child] of Object.entries(v)) if (k !== "$") walk(child);
  };
  walk(node);
  return str(parts.join(" "));
}

function mediaImages(it: CustomItem, enclosureUrl?: string, enclosureType?: string): string[] {
  const out: string[] = [];
  if (enclosureUrl && (!enclosureType || enclosureType.startsWith("image/"))) out.push(enclosureUrl);
  const nodes = [
    ...(it.mediaContent ?? []),
    ...(it.mediaGroup?.["media:content"] ?? []),
    ...(it.mediaThumbnail ?? []),
    ...(it.mediaGroup?.["media:thumbnail"] ?? []),
  ];
  for (const n of nodes) {
    const url = n?.$?.url;
    const isImage = !n.$?.medium || n.$.medium === "image" || n.$?.type?.startsWith("image/");
    if (url && isImage && !n.$?.type?.startsWith("video/")) out.push(url);
  }
  return out;
}

/** Text of an xml2js node, whatever shape it came in (`"x"`, `{ _: "x", $: {...} }`, `["x"]`). */
function str(v: unknown): string | undefined {
  if (v == null) return undefined;
  if (typeof v === "string") return v.trim() === "" ? undefined : v;
  if (typeof v === "number") return String(v);
  if (Array.isArray(v)) return str(v[0]);
  if (typeof v === "object") {
    const o = v as { _?: unknown; $?: { term?: unknown; href?: unknown } };
    return str(o._) ?? str(o.$?.term) ?? str(o.$?.href);
  }
  return undefined;
}

interface JsonFeedItem {
  id?: unknown;
  url?: unknown;
  external_url?: unknown;
  title?: unknown;
  content_html?: unknown;
  content_text?: unknown;
  summary?: unknown;
  image?: unknown;
  banner_image?: unknown;
  date_published?: unknown;
  date_modified?: unknown;
  tags?: unknown;
  author?: { name?: unknown };
  authors?: Array<{ name?: unknown }>;
}

function parseJsonFeed(text: string): ParsedFeed {
  let doc: { version?: unknown; title?: unknown; home_page_url?: unknown; items?: unknown };
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new FeedParseError(`malformed JSON: ${(error as Error).message}`);
  }
  if (!doc || typeof doc !== "object" || !Array.isArray(doc.items)) {
    throw new FeedParseError("JSON document is not a JSON Feed (no items array)");
  }
  const items = (doc.items as JsonFeedItem[])
    .filter((i) => i && typeof i === "object")
    .map(
      (i): RawItem => ({
        guid: str(i.id),
        title: str(i.title),
        link: str(i.url) ?? str(i.external_url),
        date: str(i.date_published) ?? str(i.date_modified),
        content: str(i.content_html) ?? str(i.content_text),
        summary: str(i.summary),
        images: [str(i.image), str(i.banner_image)].filter((x): x is string => !!x),
        categories: Array.isArray(i.tags) ? i.tags.map(str).filter((t): t is string => !!t) : [],
        author: str(i.authors?.[0]?.name) ?? str(i.author?.name),
      }),
    );
  return { title: str(doc.title), link: str(doc.home_page_url), items, total: items.length, fixes: [] };
}
