import type { AbstractiveFailure } from "./abstractive.js";

/**
 * What an abstractive summary must pass before it is posted (see abstractive.ts): cleaned of
 * markdown and labels, no refusal, within the length, in the article's language, and no
 * number the article does not have.
 */

/** Shorter output is not a summary (a fragment, a label, "OK."). */
export const MIN_OUTPUT_CHARS = 40;
/**
 * Share of words carrying a Vietnamese diacritic letter at or above which a text counts as
 * Vietnamese. Vietnamese news prose measures about 0.55–0.85 (sentence by sentence, rarely
 * under 0.5); English, even thick with Vietnamese names, about 0.2 at most.
 */
export const VIETNAMESE_SHARE = 0.35;
/** Fewer letter words than this and the source language is not judged. */
const MIN_WORDS_FOR_LANGUAGE = 12;

const LABEL =
  /^(?:(?:bản\s+)?tóm\s+tắt(?:\s+(?:bài\s+viết|bài\s+báo|tin(?:\s+tức)?|nội\s+dung))?|tóm\s+lại|summary|tl;\s*dr)\s*(?:[:：.\-–—]\s*|$)/iu;
const QUOTES: ReadonlyArray<readonly [string, string]> = [
  ['"', '"'],
  ["“", "”"],
  ["«", "»"],
  ["„", "“"],
  ["'", "'"],
  ["‘", "’"],
];

/**
 * The model's answer as plain text: reasoning blocks (`<think>…</think>`) dropped, markdown
 * emphasis, bullets and heading lines removed, a leading "Tóm tắt:" label removed, surrounding
 * quotes removed, white space collapsed to single spaces, NFC.
 */
export function cleanOutput(content: string): string {
  let s = content.normalize("NFC").replace(/\r\n?/g, "\n");
  s = s.replace(/<think>[\s\S]*?<\/think>/gi, "");
  // A reasoning block that never closed (cut by max_tokens): nothing usable.
  if (/<think>/i.test(s)) return "";
  s = s.replace(/\*\*|__|`+/g, "");
  const lines = s.split("\n").map((l) => l.trim());
  const kept: string[] = [];
  for (const line of lines) {
    if (!line) continue;
    // Markdown headings ("## Tóm tắt", "# <the title>") and a bare label line.
    if (/^#{1,6}(?:\s|$)/.test(line)) continue;
    if (LABEL.test(line) && line.replace(LABEL, "").trim() === "") continue;
    kept.push(line.replace(/^(?:[-*•–]\s+)+/, ""));
  }
  s = kept.join(" ").replace(/\s+/g, " ").trim();
  for (let i = 0; i < 3; i++) {
    const before = s;
    s = s.replace(LABEL, "").trim();
    s = stripQuotes(s);
    if (s === before) break;
  }
  return s.normalize("NFC");
}

function stripQuotes(s: string): string {
  for (const [open, close] of QUOTES) {
    if (s.length >= 2 && s.startsWith(open) && s.endsWith(close)) {
      const inner = s.slice(open.length, s.length - close.length);
      // Only when the pair wraps the whole text, not `"A" nói … "B"`.
      if (!inner.includes(open) && !inner.includes(close)) return inner.trim();
    }
  }
  return s;
}

// --- checks ----------------------------------------------------------------------------------

/** Refusals and assistant talk at the start of the answer. */
const REFUSAL_START =
  /^(?:xin\s+lỗi|rất\s+tiếc|tôi\s+(?:không\s+thể|xin\s+phép|không\s+được\s+phép|là\s+(?:một\s+)?(?:mô\s+hình|trợ\s+lý|AI))|là\s+(?:một\s+)?(?:mô\s+hình\s+ngôn\s+ngữ|trợ\s+lý\s+AI)|với\s+tư\s+cách\s+là\s+(?:một\s+)?(?:mô\s+hình|trợ\s+lý|AI)|i\s+(?:cannot|can't|can’t|am\s+unable|'m\s+unable|’m\s+unable|won't|will\s+not)|i'm\s+sorry|i’m\s+sorry|sorry|as\s+an\s+ai|unfortunately)/iu;
/** Phrasings no news summary contains, anywhere in the answer. */
const REFUSAL_ANYWHERE =
  /(?:as\s+an\s+ai\b|as\s+a\s+language\s+model|là\s+(?:một\s+)?mô\s+hình\s+ngôn\s+ngữ|mô\s+hình\s+ngôn\s+ngữ\s+(?:AI|lớn)|tôi\s+không\s+thể\s+(?:tóm\s+tắt|hỗ\s+trợ|giúp|thực\s+hiện|cung\s+cấp|đáp\s+ứng)|\bi\s+(?:cannot|can't|can’t)\s+(?:help|assist|summari[sz]e|provide|comply|fulfil)|\bi(?:'m|’m|\s+am)\s+unable\s+to)/iu;

export function isRefusal(text: string): boolean {
  return REFUSAL_START.test(text) || REFUSAL_ANYWHERE.test(text);
}

export function check(
  text: string,
  title: string,
  source: string,
  maxChars: number,
  finishReason: unknown,
): AbstractiveFailure | undefined {
  if (!text) return "empty";
  if (isRefusal(text)) return "refusal";
  // Cut off by max_tokens: the text ends mid-sentence even when it fits.
  if (finishReason === "length") return "length";
  if (text.length > maxChars || text.length < MIN_OUTPUT_CHARS) return "length";
  const src = vietnameseShare(`${title}\n${source}`);
  if (src.words >= MIN_WORDS_FOR_LANGUAGE && src.share >= VIETNAMESE_SHARE) {
    if (vietnameseShare(text).share < VIETNAMESE_SHARE) return "language";
  }
  if (inventedNumbers(text, `${title}\n${source}`).length > 0) return "numbers";
  return undefined;
}

/** Letters only Vietnamese (among Latin-script languages commonly seen here) writes this way. */
const VIETNAMESE_LETTER = /[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]/u;

/**
 * How Vietnamese a text looks: the share of its letter words that carry a Vietnamese diacritic
 * letter (after NFC, lower case). Vietnamese is written one syllable per word, and most
 * syllables carry a tone or vowel mark.
 */
export function vietnameseShare(text: string): { words: number; share: number } {
  const words =
    text
      .normalize("NFC")
      .toLowerCase()
      .match(/\p{L}+/gu) ?? [];
  if (words.length === 0) return { words: 0, share: 0 };
  let vi = 0;
  for (const w of words) if (VIETNAMESE_LETTER.test(w)) vi++;
  return { words: words.length, share: vi / words.length };
}

const NUMBER = /\d+(?:[.,]\d+)*/g;

/**
 * The forms a number compares by: separators unified (3,5 ≡ 3.5; 36.403 ≡ 36,403), leading
 * zeros dropped (05 ≡ 5), and for a grouped integer the digits alone (36.403 ≡ 36403).
 * Dates and ranges (29/2/2024, 2020-2025) are split into their parts by the pattern itself.
 */
function numberKeys(raw: string): string[] {
  const parts = raw.split(/[.,]/);
  const first = (parts[0] as string).replace(/^0+(?=\d)/, "");
  const rest = parts.slice(1);
  const keys = [[first, ...rest].join(".")];
  if (rest.length > 0 && rest.every((p) => p.length === 3)) {
    keys.push(`${first}${rest.join("")}`.replace(/^0+(?=\d)/, ""));
  }
  return keys;
}

/** Numbers in `output` that occur nowhere in `source` (compared by {@link numberKeys}). */
export function inventedNumbers(output: string, source: string): string[] {
  const known = new Set<string>();
  for (const m of source.normalize("NFC").matchAll(NUMBER)) for (const k of numberKeys(m[0])) known.add(k);
  const invented: string[] = [];
  for (const m of output.normalize("NFC").matchAll(NUMBER)) {
    if (!numberKeys(m[0]).some((k) => known.has(k))) invented.push(m[0]);
  }
  return invented;
}
