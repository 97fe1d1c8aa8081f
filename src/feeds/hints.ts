import type http from "node:http";
import { Parser } from "htmlparser2";
import LinkHeader from "http-link-header";

/** What a feed document says about itself: how often to read it, and its WebSub hub. */
export interface FeedHead {
  /**
   * RSS `<ttl>` (minutes), in ms. RSS 1.0's `sy:updatePeriod` is not read: WordPress writes
   * "hourly" into every feed whatever its pace, which would slow every busy site to POLL_MAX.
   */
  ttlMs?: number | undefined;
  /** WebSub hubs: `<atom:link rel="hub">`, Atom `<link rel="hub">`, JSON Feed `hubs`. */
  hubs: string[];
  /** The feed's own URL as it names it (`rel="self"`, JSON Feed `feed_url`): the WebSub topic. */
  self?: string | undefined;
}

/** The document's head is scanned up to its first entry, and at most this much of it. */
const HEAD_MAX = 64 * 1024;

/**
 * The feed's own elements before its first entry, read with htmlparser2 in XML mode (element
 * names compared without their prefix: `atom:link`, `link`, `sy:updatePeriod`).
 */
export function readFeedHead(text: string): FeedHead {
  const trimmed = text.replace(/^\uFEFF/, "").trimStart();
  if (trimmed.startsWith("{")) return jsonFeedHead(trimmed);
  const first = trimmed.search(/<(?:[\w-]+:)?(?:item|entry)[\s>/]/);
  const head = trimmed.slice(0, Math.min(first < 0 ? trimmed.length : first, HEAD_MAX));
  const out: FeedHead = { hubs: [] };
  const stack: string[] = [];
  let text_ = "";
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        const local = name.replace(/^[\w-]+:/, "").toLowerCase();
        stack.push(local);
        text_ = "";
        if (local !== "link" || !attrs.href) return;
        const rels = (attrs.rel ?? "").toLowerCase().split(/\s+/);
        const href = attrs.href.trim();
        if (rels.includes("hub") && !out.hubs.includes(href)) out.hubs.push(href);
        if (rels.includes("self") && !out.self) out.self = href;
      },
      ontext(t) {
        text_ += t;
      },
      onclosetag() {
        const local = stack.pop();
        const value = text_.trim();
        text_ = "";
        if (local === "ttl" && /^\d+$/.test(value) && Number(value) > 0) out.ttlMs = Number(value) * 60_000;
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.write(head);
  parser.end();
  return out;
}

function jsonFeedHead(text: string): FeedHead {
  try {
    const doc = JSON.parse(text) as { feed_url?: unknown; hubs?: Array<{ type?: unknown; url?: unknown }> };
    const hubs = (Array.isArray(doc.hubs) ? doc.hubs : [])
      .filter((h) => typeof h?.url === "string" && (typeof h.type !== "string" || /websub/i.test(h.type)))
      .map((h) => String(h.url));
    return { hubs, ...(typeof doc.feed_url === "string" ? { self: doc.feed_url } : {}) };
  } catch {
    return { hubs: [] };
  }
}

/** rel="hub" and rel="self" of an HTTP Link header (WebSub's discovery prefers it to the body's). */
export function linkHeaderHints(value: string | undefined): Pick<FeedHead, "hubs" | "self"> {
  if (!value) return { hubs: [] };
  try {
    const parsed = LinkHeader.parse(value);
    return {
      hubs: parsed.rel("hub").map((l) => l.uri),
      ...(parsed.rel("self")[0] ? { self: parsed.rel("self")[0]?.uri } : {}),
    };
  } catch {
    return { hubs: [] };
  }
}

/** What the server said about how long its answer stays fresh, and its Link header (WebSub). */
export interface ResponseHints {
  /** Cache-Control max-age, ms. */
  maxAgeMs?: number | undefined;
  /** Expires, as a duration from the response's own Date (so clock skew does not count), ms. */
  expiresInMs?: number | undefined;
  /** The raw Link header(s). */
  link?: string | undefined;
}

/** Cache-Control max-age and Expires (ignored with no-cache or no-store), and Link. */
export function responseHints(headers: http.IncomingHttpHeaders): ResponseHints {
  const out: ResponseHints = {};
  const cc = String(headers["cache-control"] ?? "").toLowerCase();
  const link = Array.isArray(headers.link) ? headers.link.join(", ") : headers.link;
  if (link) out.link = link;
  if (/(?:^|[,\s])(?:no-cache|no-store)(?:$|[,\s=])/.test(cc)) return out;
  const maxAge = /(?:^|[,\s])max-age\s*=\s*"?(\d+)/.exec(cc);
  if (maxAge) out.maxAgeMs = Number(maxAge[1]) * 1000;
  const expires = first(headers.expires);
  if (expires && !maxAge) {
    const at = Date.parse(expires);
    const date = Date.parse(first(headers.date) ?? "");
    // An invalid date (often "0" or "-1") means already expired: no hint.
    const left = at - (Number.isNaN(date) ? Date.now() : date);
    if (!Number.isNaN(at) && left > 0) out.expiresInMs = left;
  }
  return out;
}

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
