import type { FeedItem } from "../domain/types.js";
import { truncateAtWord } from "../text/summary.js";
import { escapeAttr, escapeHtml } from "./html.js";
import { formatDateTime, MESSAGE_LIMIT } from "./render.js";

export interface LinkList {
  text: string;
  /** The same list as plain text, without links (a fallback when Telegram rejects the HTML). */
  plain: string;
  /** How many of the items fit (the rest go in the next message). */
  count: number;
}

/**
 * A compact list of linked titles with their time, under a bold header: used for digests
 * (many posts waiting for one chat) and for /latest. Measured as visible text, so it never
 * passes Telegram's 4096-character limit; items that do not fit are left for the next one.
 */
export function renderLinkList(
  header: string,
  items: FeedItem[],
  timeZone: string,
  numbered = false,
): LinkList {
  let visible = header.length;
  const lines: string[] = [`<b>${escapeHtml(header)}</b>`];
  const plain: string[] = [header];
  let count = 0;
  for (const item of items) {
    const title = truncateAtWord(item.title, 200);
    const full = formatDateTime(item.published, timeZone);
    const when = full ? `${full.slice(0, 5)} ${full.slice(-5)}` : undefined;
    const prefix = numbered ? `${count + 1}. ` : "• ";
    const suffix = when ? ` · ${when}` : "";
    const cost = 1 + prefix.length + title.length + suffix.length;
    if (visible + cost > MESSAGE_LIMIT) break;
    visible += cost;
    const linked = item.link
      ? `<a href="${escapeAttr(item.link)}">${escapeHtml(title)}</a>`
      : escapeHtml(title);
    lines.push(`${prefix}${linked}${when ? ` <i>· ${when}</i>` : ""}`);
    plain.push(`${prefix}${title}${suffix}`);
    count++;
  }
  return { text: lines.join("\n"), plain: plain.join("\n"), count };
}

/** A bulletin's story: its item and the one line under its title. */
export interface BulletinEntry {
  item: FeedItem;
  lead: string;
}

/** The one line under a title in a bulletin, at most this long. */
export const BULLETIN_LEAD_CHARS = 220;

/**
 * A bulletin ("Bản tin sáng"): a bold header, then numbered linked titles, each with its
 * lead on the next line and a blank line between stories. Measured as visible text like
 * renderLinkList; stories that do not fit are left out (`count` says how many went in).
 */
export function renderBulletin(header: string, entries: BulletinEntry[]): LinkList {
  let visible = header.length;
  const lines: string[] = [`<b>${escapeHtml(header)}</b>`];
  const plain: string[] = [header];
  let count = 0;
  for (const { item, lead } of entries) {
    const title = truncateAtWord(item.title, 200);
    const line = lead ? truncateAtWord(lead, BULLETIN_LEAD_CHARS) : "";
    const prefix = `${count + 1}. `;
    // Two line breaks before the story, one before its lead.
    const cost = 2 + prefix.length + title.length + (line ? 1 + line.length : 0);
    if (visible + cost > MESSAGE_LIMIT) break;
    visible += cost;
    const linked = item.link
      ? `<a href="${escapeAttr(item.link)}">${escapeHtml(title)}</a>`
      : `<b>${escapeHtml(title)}</b>`;
    lines.push(`\n${prefix}${linked}${line ? `\n${escapeHtml(line)}` : ""}`);
    plain.push(`\n${prefix}${title}${line ? `\n${line}` : ""}${item.link ? `\n${item.link}` : ""}`);
    count++;
  }
  return { text: lines.join("\n"), plain: truncateAtWord(plain.join("\n"), MESSAGE_LIMIT), count };
}
