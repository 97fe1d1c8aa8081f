import {
  BULLETIN_MAX_PERIOD_MS,
  bulletinTimes,
  latestSlot,
  type Slot,
  type SlotPart,
  slotPart,
} from "../domain/bulletin.js";
import { localDay } from "../domain/time.js";
import type { Language } from "../domain/types.js";
import type { BulletinCandidate, BulletinRepo, BulletinTarget } from "../store/bulletins.js";
import type { ItemsRepo } from "../store/repos.js";
import { BULLETIN_LEAD_CHARS, type LinkList, renderBulletin } from "../telegram/digest.js";
import { summarize } from "../text/summary.js";

/** Rows read per target and slot: enough for a busy "all" chat's day, light ones (no text). */
const CANDIDATES = 3000;

export interface ContentDeps {
  bulletins: Pick<BulletinRepo, "lastDone" | "stories" | "leadStories">;
  items: Pick<ItemsRepo, "byIds">;
  /** "☀️ Bản tin sáng 02/12/2026" in a language. */
  header: (language: Language, part: SlotPart, date: string) => string;
  defaultLanguage: Language;
  maxStories: number;
}

/** The site-wide lead counts of one period, read once for every target that shares it. */
export type LeadCache = Map<string, Promise<Map<string, number>>>;

/**
 * What one target's bulletin for `slot` says, or undefined when its period has no story. The
 * period runs from its last bulletin (or the slot before, the first time) to the slot, never
 * longer than BULLETIN_MAX_PERIOD_MS; stories are ranked (see `rank`) and the chosen few read.
 */
export async function composeBulletin(
  deps: ContentDeps,
  target: BulletinTarget,
  slot: Slot,
  zone: string,
  leads: LeadCache,
): Promise<LinkList | undefined> {
  const previous =
    latestSlot(bulletinTimes(target.settings), zone, slot.at - 1)?.at ?? slot.at - BULLETIN_MAX_PERIOD_MS;
  const from = Math.max(
    (await deps.bulletins.lastDone(target, slot.at)) ?? previous,
    slot.at - BULLETIN_MAX_PERIOD_MS,
  );
  const period = `${from}-${slot.at}`;
  let lead = leads.get(period);
  if (!lead) {
    lead = deps.bulletins.leadStories(from, slot.at);
    leads.set(period, lead);
  }
  const chosen = rank(await deps.bulletins.stories(target, from, slot.at, CANDIDATES), await lead).slice(
    0,
    deps.maxStories,
  );
  if (chosen.length === 0) return undefined;
  const items = await deps.items.byIds(chosen.map((c) => c.rowId));
  const entries = chosen.flatMap((c) => {
    const item = items.get(c.rowId);
    if (!item) return [];
    // The abstractive summary when it is that short, else the extractive lead.
    const line =
      item.summary && item.summary.length <= BULLETIN_LEAD_CHARS
        ? item.summary
        : summarize(item.title, item.text, { maxChars: BULLETIN_LEAD_CHARS });
    return [{ item, lead: line }];
  });
  if (entries.length === 0) return undefined;
  const language = target.settings.language ?? deps.defaultLanguage;
  const day = localDay(slot.at, zone);
  const date = `${pad(day.day)}/${pad(day.month)}/${day.year}`;
  return renderBulletin(deps.header(language, slotPart(slot.minutes), date), entries);
}

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * Lead stories first: a story the site runs in several feeds (front page and section) before
 * one in a single feed, then one with a picture (a full article, not a brief), then the
 * newest. One entry per story (the same article in two feeds is listed once).
 */
export function rank(candidates: BulletinCandidate[], leads: Map<string, number>): BulletinCandidate[] {
  const seen = new Set<string>();
  const unique = candidates.filter((c) => !seen.has(c.storyKey) && seen.add(c.storyKey));
  const score = (c: BulletinCandidate) => leads.get(c.storyKey) ?? 1;
  const newest = (c: BulletinCandidate) => c.publishedAt || c.createdAt;
  return unique.sort(
    (a, b) =>
      score(b) - score(a) ||
      Number(b.hasImage) - Number(a.hasImage) ||
      newest(b) - newest(a) ||
      b.rowId - a.rowId,
  );
}
