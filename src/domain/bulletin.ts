import { localDay, wallClockAt } from "./time.js";
import type { ChatSettings } from "./types.js";

/**
 * The bulletin ("Bản tin sáng", "Bản tin tối"): one message at chosen times of the chat's day
 * with the period's top stories. `also`: besides the instant posts; `only`: instead of them.
 */
export type BulletinMode = "also" | "only";

/** Minutes after midnight: 06:30 and 18:30. */
export const DEFAULT_BULLETIN_TIMES = [6 * 60 + 30, 18 * 60 + 30];
export const MAX_BULLETIN_TIMES = 4;
/**
 * A late bulletin (after downtime) covers at most this much: yesterday's news is not news. A
 * day and two hours, so a day that DST makes 25 hours long still fits in one period.
 */
export const BULLETIN_MAX_PERIOD_MS = 26 * 3_600_000;

export function bulletinTimes(s: Pick<ChatSettings, "bulletinTimes">): number[] {
  return s.bulletinTimes?.length ? s.bulletinTimes : DEFAULT_BULLETIN_TIMES;
}

/** "sáng" before 11:00, "trưa" before 13:00, "chiều" before 18:00, "tối" after: the bulletin's name. */
export type SlotPart = "morning" | "midday" | "afternoon" | "evening";

export function slotPart(minutes: number): SlotPart {
  return minutes < 660 ? "morning" : minutes < 780 ? "midday" : minutes < 1080 ? "afternoon" : "evening";
}

/** `06:30`. */
export function formatClock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/** A chat's bulletin times ("06:30, 18:30") and its zone, for showing. */
export function describeSchedule(s: ChatSettings, defaultZone: string): { times: string; zone: string } {
  return { times: bulletinTimes(s).map(formatClock).join(", "), zone: s.timeZone ?? defaultZone };
}

export interface Slot {
  /** The instant of the slot (epoch ms): with the target, the bulletin's unique key. */
  at: number;
  /** Its wall-clock time in the chat's zone, minutes after midnight. */
  minutes: number;
}

/**
 * The latest slot at or before `at`: one of `times` today or yesterday in `timeZone`. Always
 * within the last 24 hours, so after any downtime only the newest missed slot is owed.
 */
export function latestSlot(times: number[], timeZone: string, at: number): Slot | undefined {
  const today = localDay(at, timeZone);
  let best: Slot | undefined;
  for (const offset of [0, -1]) {
    const day = { ...today, day: today.day + offset };
    for (const minutes of times) {
      const t = wallClockAt(day, minutes, timeZone);
      if (t <= at && (!best || t > best.at)) best = { at: t, minutes };
    }
    if (best) return best;
  }
  return best;
}

/** The next slot after `at`. */
export function nextSlot(times: number[], timeZone: string, at: number): Slot | undefined {
  const today = localDay(at, timeZone);
  let best: Slot | undefined;
  for (const offset of [0, 1]) {
    const day = { ...today, day: today.day + offset };
    for (const minutes of times) {
      const t = wallClockAt(day, minutes, timeZone);
      if (t > at && (!best || t < best.at)) best = { at: t, minutes };
    }
    if (best) return best;
  }
  return best;
}

/**
 * The times a person typed: `6:30`, `06:30`, `6h30`, `18h`, `18`. Undefined when a word is not
 * a time; duplicates are dropped and the rest sorted.
 */
export function parseClockTimes(words: string[]): number[] | undefined {
  const out = new Set<number>();
  for (const word of words) {
    const m = /^(\d{1,2})(?:[:h.](\d{2})?)?$/i.exec(word);
    if (!m) return undefined;
    const hours = Number(m[1]);
    const minutes = m[2] === undefined ? 0 : Number(m[2]);
    if (hours > 23 || minutes > 59) return undefined;
    out.add(hours * 60 + minutes);
  }
  return [...out].sort((a, b) => a - b);
}

export function isClockWord(word: string): boolean {
  return parseClockTimes([word]) !== undefined;
}

/**
 * A time zone a person typed: an IANA name (`Asia/Bangkok`, case as typed or not), `UTC`, or a
 * whole-hour offset (`UTC+7`, `GMT-5`, `+7`), which becomes the matching `Etc/GMT∓h` zone (its
 * sign is inverted by POSIX convention). Undefined when it is none of these.
 */
export function parseTimeZone(word: string, known: (tz: string) => boolean): string | undefined {
  const offset = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?00)?$/i.exec(word);
  if (offset) {
    const hours = Number(offset[2]);
    if (hours > 14) return undefined;
    if (hours === 0) return "UTC";
    // Etc/GMT-14 … Etc/GMT+12 exist; UTC-13 names none.
    const zone = `Etc/GMT${offset[1] === "+" ? "-" : "+"}${hours}`;
    return known(zone) ? zone : undefined;
  }
  if (/^utc$|^gmt$/i.test(word)) return "UTC";
  if (!/^[A-Za-z][\w+-]*(?:\/[\w+-]+){1,2}$/.test(word)) return undefined;
  if (known(word)) return canonicalZone(word);
  return undefined;
}

/** The runtime's own spelling of a zone (`asia/bangkok` → `Asia/Bangkok`). */
function canonicalZone(tz: string): string {
  return new Intl.DateTimeFormat("en", { timeZone: tz }).resolvedOptions().timeZone;
}
