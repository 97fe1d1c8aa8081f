const offsetFormats = new Map<string, Intl.DateTimeFormat>();
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** Minutes east of UTC of a time zone at an instant (Asia/Ho_Chi_Minh → 420). */
export function zoneOffsetMinutes(timeZone: string, at: Date | number = new Date()): number {
  let f = offsetFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" });
    offsetFormats.set(timeZone, f);
  }
  const name = f.formatToParts(at).find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/** The start of the calendar day of `at` in a time zone (epoch ms). */
export function startOfDay(at: number, timeZone: string): number {
  return wallClockAt(localDay(at, timeZone), 0, timeZone);
}

/** True for a time zone this runtime knows (IANA names such as Asia/Ho_Chi_Minh, or UTC). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The calendar day of an instant in a time zone. */
export function localDay(at: number, timeZone: string): { year: number; month: number; day: number } {
  let f = dayFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    dayFormats.set(timeZone, f);
  }
  const parts = f.formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { year: get("year"), month: get("month"), day: get("day") };
}

/**
 * The instant a wall clock in `timeZone` shows `minutes` after midnight of the given day (the
 * day may overflow: day 0 is the last of the previous month). Around a DST change the offset
 * of the instant itself decides: a wall time the change skips lands an hour off (later east of
 * UTC, earlier west of it), one it repeats is taken once (always the same one).
 */
export function wallClockAt(
  day: { year: number; month: number; day: number },
  minutes: number,
  timeZone: string,
): number {
  const asUtc = Date.UTC(day.year, day.month - 1, day.day, 0, minutes);
  const first = asUtc - zoneOffsetMinutes(timeZone, asUtc) * 60_000;
  const second = zoneOffsetMinutes(timeZone, first);
  return asUtc - second * 60_000;
}

const DURATION_UNITS = { s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A duration as people write it: `90s`, `30m`, `1h`, `7d`, or a number of minutes; in
 * milliseconds, or undefined when it is not one.
 */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+)\s*(s|m|min|h|d)?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = DURATION_UNITS[(m[2] ?? "m").toLowerCase() as keyof typeof DURATION_UNITS];
  const value = Number(m[1]) * unit;
  return Number.isSafeInteger(value) ? value : undefined;
}
