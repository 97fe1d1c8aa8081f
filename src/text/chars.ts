/**
 * Characters XML 1.0 forbids and Telegram rejects or shows as boxes: C0 controls other than
 * tab/newline/carriage return, DEL, and the noncharacters U+FFFE/U+FFFF.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
export const FORBIDDEN_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]/g;

/** FORBIDDEN_CHARS and the zero-width space and BOM, dropped from article text in one pass. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
export const DROPPED_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF\u200B\uFEFF]/g;
