/**
 * Words for keyword filters: what people type matched on whole words, without diacritics
 * (đ → d), without case. "ha tinh" matches "Hà Tĩnh" and not "pha tinh bột".
 */

/** The folded words of a text, separated by single spaces: only a–z and 0–9 are left. */
export function matchWords(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .replace(/[đĐ]/g, "d")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

/**
 * How much of an article filters read: its title, its abstractive summary when it has one,
 * and its text as far as the longest summary reaches (the lead and the sentences after it).
 */
export const MATCH_TEXT_CHARS = 1500;

/**
 * The text an item's filters are matched on, padded with spaces so that a term matches as
 * `LIKE '% term %'` on whole words (a term holds only a–z, 0–9 and single spaces, none of
 * LIKE's wildcards).
 */
export function matchText(title: string, text: string, summary?: string): string {
  return ` ${matchWords(`${title} ${summary ?? ""} ${text.slice(0, MATCH_TEXT_CHARS)}`)} `;
}

/** True when `term` (folded with matchWords) is in `padded` (from matchText) as whole words. */
export function matchesTerm(padded: string, term: string): boolean {
  return term !== "" && padded.includes(` ${term} `);
}
