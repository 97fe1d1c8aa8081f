import { fold } from "../text/fold.js";

/** Words of a feed's technical title that say nothing to a reader. */
const TECHNICAL = /\b(?:rss(?:\s*2\.0)?(?:\s*feeds?)?|atom(?:\s*feeds?)?|feeds?|xml)\b/giu;
const SEPARATOR = /\s+[-–—|:·»/]\s+|\s*[|·»]\s*/u;
/** How a site names itself in a title part: "Báo Hà Tĩnh", "Tạp chí …", "Cổng thông tin …". */
const SITE_WORDS = /^(?:báo|tạp chí|đài|cổng thông tin|trang tin|thông tấn xã|kênh)\s/iu;

function hostLabel(link: string | undefined): string | undefined {
  try {
    const host = new URL(link ?? "").hostname.replace(/^www\./, "");
    return host || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The source line of a post: the configured name when there is one, else the site's name
 * before the section, from the feed's title ("Tin mới nhất - VnExpress RSS" →
 * "VnExpress · Tin mới nhất", "Báo Hà Tĩnh - Thời sự" → "Báo Hà Tĩnh · Thời sự"), else the
 * site's host name.
 */
export function sourceLabel(
  feedTitle: string | undefined,
  feedLink: string | undefined,
  configured?: string | undefined,
): string | undefined {
  if (configured?.trim()) return configured.trim();
  const host = hostLabel(feedLink);
  const parts = (feedTitle ?? "")
    .split(SEPARATOR)
    .map((p) => p.replace(TECHNICAL, "").replace(/\s+/g, " ").trim())
    .filter((p) => /[\p{L}\p{N}]/u.test(p));
  if (parts.length === 0) return host;
  // The part that names the site: it holds the host's name ("vnexpress") or says "Báo …".
  const hostWord = host ? fold(host.split(".").slice(0, -1).join("")) : "";
  let site = parts.findIndex((p) => {
    const f = fold(p);
    return hostWord.length >= 3 && (f.includes(hostWord) || (f.length >= 4 && hostWord.includes(f)));
  });
  if (site < 0) site = parts.findIndex((p) => SITE_WORDS.test(p));
  const unique = [...new Set(parts)];
  if (site < 0) return unique.join(" · ");
  const name = parts[site] as string;
  return [name, ...unique.filter((p) => p !== name)].join(" · ");
}
