import { isFurnitureLine } from "./furniture.js";
import { splitSentences } from "./sentences.js";
import { type ArticleTerms, MAX_IDS, syllables, wordsOfLower } from "./tokens.js";

/** A sentence that may go into a summary, with what the scoring needs to know of it. */
export interface Candidate {
  text: string;
  index: number;
  paragraph: number;
  /** Topic syllables (no stop words, no numbers) and pairs of adjacent ones (`a * MAX_IDS + b`). */
  terms: number[];
  pairs: number[];
  facts: number;
  dependent: boolean;
  score: number;
}

/**
 * Sentences that lean on the one before them ("However, …", "Of these, …"): never in a
 * summary without it.
 */
const DEPENDENT =
  /^(?:cùng đó|cùng với đó|tuy nhiên|tuy vậy|ngoài ra|trong đó|bên cạnh đó|đồng thời|theo đó|do đó|do vậy|vì vậy|vì thế|mặt khác|thêm vào đó|hơn nữa|sau đó|như vậy|nhờ đó|từ đó|qua đó|trong số này|trong số đó|điều này|việc này|con số này|những con số này|đây là|đó là|however|meanwhile|in addition|moreover|furthermore|besides|of these|this|these|that)(?=[\s,;:])/iu;

/**
 * News is written lead-first: the summary never needs sentences past the first few dozen, so
 * long articles are not split or scored beyond this.
 */
const MAX_SENTENCES = 40;

/** Opening quotes and brackets, skipped before a word's first letter: “ " ' ( ‘ « [ */
function isOpening(c: number): boolean {
  return c === 0x201c || c === 34 || c === 39 || c === 40 || c === 0x2018 || c === 0xab || c === 91;
}
const QUOTE = /[“"«][^”"»]{12,}[”"»]/;

function isDigit(word: string): boolean {
  const c = word.charCodeAt(0);
  return c >= 48 && c <= 57;
}

/**
 * How many facts a sentence states: numbers with their unit ("169 lớp", "36.403 lượt", "3,5%"),
 * dates, names (runs of capitalised words after the first), quoted speech. `lower` is `s`
 * lower-cased: a letter that differs there is a capital.
 */
function countFacts(s: string, lower: string, words: string[]): number {
  let facts = 0;
  const percent = s.includes("%");
  for (let i = 0; i < words.length; i++) {
    if (isDigit(words[i] as string)) facts += i + 1 < words.length || percent ? 1 : 0.5;
  }
  // Names: capitalised words not opening the sentence, counted once per run. Words are what
  // spaces separate, opening quotes and brackets skipped.
  const sameLength = lower.length === s.length;
  let run = 0;
  for (let start = 0; start <= s.length; ) {
    let end = s.indexOf(" ", start);
    if (end < 0) end = s.length;
    let k = start;
    while (k < end && isOpening(s.charCodeAt(k))) k++;
    let upper = false;
    if (k < end && start > 0) {
      upper = sameLength
        ? s.charCodeAt(k) !== lower.charCodeAt(k)
        : (s[k] as string) !== (s[k] as string).toLowerCase();
    }
    if (upper) run++;
    else {
      if (run >= 2) facts += 0.6;
      run = 0;
    }
    start = end + 1;
  }
  if (run >= 2) facts += 0.6;
  if (QUOTE.test(s)) facts += 1;
  return facts;
}

/** True when `inner` occurs, word for word, inside `outer`. */
function containsRun(outer: number[], inner: number[]): boolean {
  if (inner.length === 0 || inner.length > outer.length) return false;
  for (let i = 0; i + inner.length <= outer.length; i++) {
    let j = 0;
    while (j < inner.length && outer[i + j] === inner[j]) j++;
    if (j === inner.length) return true;
  }
  return false;
}

/**
 * The article's sentences that may be summarised (the first MAX_SENTENCES), without repeats of
 * the title and without short sentences that are furniture.
 */
export function candidatesOf(
  title: string,
  text: string,
  vocabulary: ArticleTerms,
  titleTokens: Set<number>,
): Candidate[] {
  const titleIds = syllables(title).map((w) => vocabulary.id(w));
  for (const id of titleIds) if (!vocabulary.isStop(id)) titleTokens.add(id);
  const out: Candidate[] = [];
  const paragraphs = text.split(/\n{2,}/);
  for (let pi = 0; pi < paragraphs.length && out.length < MAX_SENTENCES; pi++) {
    for (const s of splitSentences(paragraphs[pi] as string)) {
      const lower = s.toLowerCase();
      const words = wordsOfLower(lower);
      // Paragraphs were cleaned of furniture (furniture.ts); a short sentence inside one may
      // still be a credit or a widget's words.
      if (words.length === 0 || (s.length <= 120 && isFurnitureLine(s))) continue;
      const ids = words.map((w) => vocabulary.id(w));
      // Repeats of the title (feeds often put it first in the description).
      if (containsRun(titleIds, ids)) continue;
      const terms: number[] = [];
      const pairs: number[] = [];
      let prev = -1;
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i] as number;
        if (vocabulary.isStop(id) || isDigit(words[i] as string)) {
          prev = -1;
          continue;
        }
        terms.push(id);
        if (prev >= 0) pairs.push(prev * MAX_IDS + id);
        prev = id;
      }
      if (terms.length > 0 && titleTokens.size > 0 && terms.length <= titleTokens.size + 2) {
        let hit = 0;
        for (const t of terms) if (titleTokens.has(t)) hit++;
        if (hit / terms.length > 0.9) continue;
      }
      out.push({
        text: s,
        index: out.length,
        paragraph: pi,
        terms,
        pairs,
        facts: countFacts(s, lower, words),
        dependent: DEPENDENT.test(s),
        score: 0,
      });
      if (out.length >= MAX_SENTENCES) break;
    }
  }
  return out;
}
