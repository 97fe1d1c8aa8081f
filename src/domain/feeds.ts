import { parseDuration } from "./time.js";
import type { ArticleMode, FeedSource } from "./types.js";

const ARTICLE_MODES: Record<string, ArticleMode> = {
  auto: "auto",
  teaser: "auto",
  always: "always",
  full: "always",
  never: "never",
  off: "never",
};

/** The options a feed may carry after its URL. */
export type FeedOptions = Pick<FeedSource, "article" | "label" | "everyMs">;

/** `every=`: no faster than a minute (politeness), no slower than a day. */
export const EVERY_MIN_MS = 60_000;
export const EVERY_MAX_MS = 86_400_000;

/**
 * Options after a feed's URL, space separated: `article=auto|teaser|full|always|never`,
 * `label="Báo Hà Tĩnh"` (quoted when it has spaces), `every=15m` (a fixed read interval).
 */
export function parseFeedOptions(text: string, where: string): FeedOptions {
  const out: FeedOptions = {};
  const re = /([a-z]+)=(?:"([^"]*)"|“([^”]*)”|(\S+))|(\S+)/giu;
  for (const m of text.matchAll(re)) {
    if (m[5] !== undefined) throw new Error(`feed "${where}": "${m[5]}" is not an option (key=value)`);
    const key = (m[1] as string).toLowerCase();
    const value = (m[2] ?? m[3] ?? m[4] ?? "").trim();
    if (key === "article") {
      const mode = ARTICLE_MODES[value.toLowerCase()];
      if (!mode)
        throw new Error(
          `feed "${where}": article= must be auto, teaser, full, always or never (got "${value}")`,
        );
      out.article = mode;
    } else if (key === "label") {
      if (!value || value.length > 80) throw new Error(`feed "${where}": label= must be 1–80 characters`);
      out.label = value.normalize("NFC");
    } else if (key === "every") {
      const ms = parseDuration(value);
      if (ms === undefined || ms < EVERY_MIN_MS || ms > EVERY_MAX_MS)
        throw new Error(
          `feed "${where}": every= must be a duration from 1m to 24h, such as 10m (got "${value}")`,
        );
      out.everyMs = ms;
    } else throw new Error(`feed "${where}": unknown option "${key}" (article=, label=, every=)`);
  }
  return out;
}

/**
 * `FEEDS` (and /addfeed's argument): URLs or file paths, comma or newline separated, each
 * optionally `name=url` and followed by options (`article=`, `label=`, see parseFeedOptions).
 * A name is derived from the URL when none is given.
 */
export function parseFeedList(raw: string): FeedSource[] {
  const parts = raw
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0 && !s.startsWith("#"));
  const seen = new Set<string>();
  return parts.map((entry, index) => {
    // The first word is `name=url` or the URL; options follow it.
    const space = entry.search(/\s/);
    const part = space > 0 ? entry.slice(0, space) : entry;
    const options = space > 0 ? parseFeedOptions(entry.slice(space + 1), part) : {};
    const eq = part.indexOf("=");
    // `name=url` only when the left side looks like a name (a URL's query also has `=`).
    const named = eq > 0 && /^[\p{L}\p{N}_-]+$/u.test(part.slice(0, eq));
    const url = named ? part.slice(eq + 1).trim() : part;
    const kind = /^https?:\/\//i.test(url) ? "http" : "file";
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && kind !== "http" && !url.startsWith("file://")) {
      throw new Error(`feed "${part}": only http(s) URLs and file paths are supported`);
    }
    let name = named ? part.slice(0, eq).toLowerCase() : deriveName(url, index);
    while (seen.has(name)) name = `${name}-${index + 1}`;
    seen.add(name);
    return { name, url: url.startsWith("file://") ? new URL(url).pathname : url, kind, ...options };
  });
}

function deriveName(url: string, index: number): string {
  try {
    const u = new URL(url);
    const host = u.hostname.replace(/^www\./, "").split(".")[0] ?? "feed";
    const last = u.pathname
      .split("/")
      .filter(Boolean)
      .pop()
      ?.replace(/\.(rss|xml|atom)$/i, "");
    return (last && last !== "rss" ? `${host}-${last}` : host).toLowerCase();
  } catch {
    const base = url.split(/[\\/]/).pop() ?? `feed${index + 1}`;
    return base.replace(/\.[a-z]+$/i, "").toLowerCase() || `feed${index + 1}`;
  }
}

/** Why a feed could not be read, in the terms a person is told (the raw error is logged). */
export type FeedErrorReason =
  | "dns"
  | "refused"
  | "timeout"
  | "http"
  | "blocked"
  | "too-big"
  | "redirect"
  | "url"
  | "tls"
  | "not-feed"
  | "other";

/** A feed that could not be read when it was checked (/addfeed): why, and the raw error. */
/** A feed whose name folds like another's ("Hà-Tĩnh" and "hatinh"): one of them must change. */
export class FeedNameTaken extends Error {
  override name = "FeedNameTaken";
  constructor(readonly feed: string) {
    super(`a feed whose name folds like "${feed}" exists`);
  }
}

export class FeedUnreadable extends Error {
  override name = "FeedUnreadable";
  constructor(
    readonly reason: FeedErrorReason,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
  }
}
