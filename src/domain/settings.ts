import { type ChatSettings, inQuietHours, type SummaryLength } from "./types.js";

/** The settings a /settings button changes, one step each. */
export const SETTING_KEYS = [
  "summary",
  "layout",
  "button",
  "images",
  "previews",
  "silent",
  "quiet",
  "bulletin",
] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

export const SUMMARY_LENGTHS: SummaryLength[] = ["short", "normal", "long"];
/** The quiet-hour presets a button cycles through, in order; undefined is "off". */
export const QUIET_PRESETS: Array<ChatSettings["quiet"]> = [
  undefined,
  { start: 22, end: 6 },
  { start: 23, end: 7 },
  { start: 0, end: 6 },
];

/**
 * The next value of one setting when its button is pressed at `at` (the store does the same
 * in SQL).
 */
export function nextSetting(settings: ChatSettings, key: SettingKey, at = Date.now()): ChatSettings {
  switch (key) {
    case "bulletin":
      // off → besides the posts → instead of them → off. Turned on, only later slots are owed.
      return settings.bulletin === undefined
        ? { ...settings, bulletin: "also", bulletinSince: at }
        : settings.bulletin === "also"
          ? { ...settings, bulletin: "only" }
          : { ...settings, bulletin: undefined };
    case "summary":
      return {
        ...settings,
        summary: SUMMARY_LENGTHS[
          (SUMMARY_LENGTHS.indexOf(settings.summary) + 1) % SUMMARY_LENGTHS.length
        ] as SummaryLength,
      };
    case "images":
    case "previews":
    case "silent":
      return { ...settings, [key]: !settings[key] };
    case "button":
      return { ...settings, readButton: !settings.readButton };
    case "layout":
      // photo → card → compact → photo, on the two switches the layout is stored as.
      return settings.images
        ? { ...settings, images: false, previews: true }
        : settings.previews
          ? { ...settings, images: false, previews: false }
          : { ...settings, images: true, previews: true };
    case "quiet": {
      const i = QUIET_PRESETS.findIndex(
        (q) => q?.start === settings.quiet?.start && q?.end === settings.quiet?.end,
      );
      return { ...settings, quiet: QUIET_PRESETS[(i + 1) % QUIET_PRESETS.length] };
    }
  }
}

/**
 * When the quiet window that holds `at` ends (epoch ms), in the chat's time zone: the next
 * start of the hour `quiet.end`. Undefined when `at` is not in quiet hours.
 */
export function quietEndsAt(settings: ChatSettings, at: number, defaultZone: string): number | undefined {
  const timeZone = settings.timeZone ?? defaultZone;
  const q = settings.quiet;
  if (!q || q.start === q.end) return undefined;
  const parts = localClock(at, timeZone);
  if (!inQuietHours(settings, parts.hour)) return undefined;
  const hours = (q.end - parts.hour + 24) % 24 || 24;
  const startOfHour = at - (parts.minute * 60 + parts.second) * 1000 - (at % 1000);
  return startOfHour + hours * 3_600_000;
}

const clocks = new Map<string, Intl.DateTimeFormat>();

function localClock(at: number, timeZone: string): { hour: number; minute: number; second: number } {
  let f = clocks.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    clocks.set(timeZone, f);
  }
  // One formatToParts call for the three fields.
  const parts = f.formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { hour: get("hour"), minute: get("minute"), second: get("second") };
}
