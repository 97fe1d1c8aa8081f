import type { ChatSettings, SummaryLength } from "./types.js";

/** The settings a /settings button changes, one step each. */
export const SETTING_KEYS = ["summary", "images", "previews", "silent", "quiet"] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

export const SUMMARY_LENGTHS: SummaryLength[] = ["short", "normal", "long"];
/** The quiet-hour presets a button cycles through, in order; undefined is "off". */
export const QUIET_PRESETS: Array<ChatSettings["quiet"]> = [
  undefined,
  { start: 22, end: 6 },
  { start: 23, end: 7 },
  { start: 0, end: 6 },
];

/** The next value of one setting when its button is pressed (the store does the same in SQL). */
export function nextSetting(settings: ChatSettings, key: SettingKey): ChatSettings {
  switch (key) {
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
    case "quiet": {
      const i = QUIET_PRESETS.findIndex(
        (q) => q?.start === settings.quiet?.start && q?.end === settings.quiet?.end,
      );
      return { ...settings, quiet: QUIET_PRESETS[(i + 1) % QUIET_PRESETS.length] };
    }
  }
}
