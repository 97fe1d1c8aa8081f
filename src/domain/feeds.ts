import type { FeedSource } from "./types.js";

/**
 * `FEEDS` (and /addfeed's argument): URLs or file paths, comma or newline separated, each
 * optionally `name=url`. A name is derived from the URL when none is given.
 */
export function parseFeedList(raw: string): FeedSource[] {
  const parts = raw
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0 && !s.startsWith("#"));
  const seen = new Set<string>();
  return parts.map((part, index) => {
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
    return { name, url: url.startsWith("file://") ? new URL(url).pathname : url, kind };
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
