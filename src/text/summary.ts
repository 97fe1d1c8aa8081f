import { isFurnitureLine } from "./furniture.js";
import { splitSentences } from "./sentences.js";
import { rarity, STOPWORDS, syllables } from "./tokens.js";

export { truncateAtWord } from "./truncate.js";

import { truncateAtWord } from "./truncate.js";

export interface SummaryOptions {
  /** Upper bound in characters (UTF-16 units) for the summary text. */
  maxChars: number;
}

/**
 * Sentences that lean on the one before them ("However, …", "Of these, …"): never in a
 * summary without it.
 */
const DEPENDENT =
  /^(?:cùng đó|cùng với đó|tuy nhiên|tuy vậy|ngoài ra|trong đó|bên cạnh đó|đồng thời|theo đó|do đó|do vậy|vì vậy|vì thế|mặt khác|thêm vào đó|hơn nữa|sau đó|như vậy|nhờ đó|từ đó|qua đó|trong số này|trong số đó|điều này|việc này|con số này|những con số này|đây là|đó là|however|meanwhile|in addition|moreover|furthermore|besides|of these|this|these|that)(?=[\s,;:])/iu;

interface Candidate {
  text: string;
  index: number;
  paragraph: number;
  /** Topic syllables (no stop words, no numbers) and pairs of adjacent ones. */
  terms: string[];
  pairs: string[];
  facts: number;
  dependent: boolean;
  score: number;
}

/**
 * News is written lead-first: the summary never needs sentences past the first few dozen, so
 * long articles are not split or scored beyond this.
 */
const MAX_SENTENCES = 40;

/**
 * How many facts a sentence states: numbers with their unit ("169 lớp", "36.403 lượt", "3,5%"),
 * dates, names (runs of capitalised words after the first), quoted speech.
 */
const OPENING = "“\"'(‘«[";

function countFacts(s: string, words: string[]): number {
  let facts = 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    const c = w.charCodeAt(0);
    if (c >= 48 && c <= 57) facts += i + 1 < words.length || s.includes("%") ? 1 : 0.5;
  }
  // Names: capitalised words not opening the sentence, counted once per run.
  let run = 0;
  let first = true;
  for (const raw of s.split(" ")) {
    let k = 0;
    while (k < raw.length && OPENING.includes(raw[k] as string)) k++;
    const ch = raw[k];
    const upper = ch !== undefined && ch !== ch.toLowerCase();
    if (upper && !first) run++;
    else {
      if (run >= 2) facts += 0.6;
      run = 0;
    }
    first = false;
  }
  if (run >= 2) facts += 0.6;
  if (/[“"«][^”"»]{12,}[”"»]/.test(s)) facts += 1;
  return facts;
}

function candidatesOf(title: string, text: string): Candidate[] {
  const titleWords = syllables(title);
  const titleKey = titleWords.join(" ");
  const titleTokens = new Set(titleWords.filter((t) => !STOPWORDS.has(t)));
  const out: Candidate[] = [];
  const paragraphs = text.split(/\n{2,}/);
  for (let pi = 0; pi < paragraphs.length && out.length < MAX_SENTENCES; pi++) {
    for (const s of splitSentences(paragraphs[pi] as string)) {
      const words = syllables(s);
      const key = words.join(" ");
      // Paragraphs were cleaned of furniture (furniture.ts); a short sentence inside one may
      // still be a credit or a widget's words.
      if (!key || (s.length <= 120 && isFurnitureLine(s))) continue;
      // Repeats of the title (feeds often put it first in the description).
      if (key === titleKey || titleKey.includes(key)) continue;
      const terms: string[] = [];
      const pairs: string[] = [];
      let prev: string | undefined;
      for (const w of words) {
        const c = w.charCodeAt(0);
        if (STOPWORDS.has(w) || (c >= 48 && c <= 57)) {
          prev = undefined;
          continue;
        }
        terms.push(w);
        if (prev) pairs.push(`${prev} ${w}`);
        prev = w;
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
        facts: countFacts(s, words),
        dependent: DEPENDENT.test(s),
        score: 0,
      });
      if (out.length >= MAX_SENTENCES) break;
    }
  }
  return out;
}

/**
 * Scores each sentence: terms distinctive of this article (TF-IDF: how often the article
 * uses a syllable or a pair of syllables, times how rare it is in general Vietnamese news),
 * its facts, its words shared with the title, and its place (news is written lead-first).
 */
function score(candidates: Candidate[], title: string): void {
  const tf = new Map<string, number>();
  for (const c of candidates) {
    for (const t of c.terms) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const p of c.pairs) tf.set(p, (tf.get(p) ?? 0) + 1);
  }
  const weight = new Map<string, number>();
  const weigh = (term: string, pair: boolean) => {
    let w = weight.get(term);
    if (w === undefined) {
      const n = tf.get(term) ?? 1;
      // A pair the article uses once is chance; repeated, it names the subject ("Lộc Hà").
      w = pair && n < 2 ? 0 : Math.log1p(n) * rarity(term, pair);
      weight.set(term, w);
    }
    return w;
  };
  const titleTokens = new Set(syllables(title).filter((t) => !STOPWORDS.has(t)));
  let maxTopic = 0;
  let maxFacts = 0;
  const topic = candidates.map((c) => {
    let sum = 0;
    const seen = new Set<string>();
    for (const [list, pair] of [
      [c.terms, false],
      [c.pairs, true],
    ] as const) {
      for (const t of list) {
        if (seen.has(t)) continue;
        seen.add(t);
        sum += weigh(t, pair);
      }
    }
    const v = c.terms.length ? sum / Math.sqrt(c.terms.length + 4) : 0;
    if (v > maxTopic) maxTopic = v;
    if (c.facts > maxFacts) maxFacts = c.facts;
    return v;
  });
  candidates.forEach((c, i) => {
    let hit = 0;
    for (const t of new Set(c.terms)) if (titleTokens.has(t)) hit++;
    const titleShare = titleTokens.size ? hit / titleTokens.size : 0;
    const position = 1 / (1 + c.index * 0.25);
    // Facts per length: a short sentence with two figures beats a long list that holds ten.
    const facts = maxFacts ? Math.min(c.facts / Math.sqrt(c.text.length / 120), 6) / 6 : 0;
    // The rest of the lead paragraph (the sapo) is the editor's own summary.
    const sapo = c.paragraph === (candidates[0] as Candidate).paragraph ? 0.8 : 0;
    const tooShort = c.text.length < 30 ? -1 : 0;
    c.score =
      (maxTopic ? (topic[i] as number) / maxTopic : 0) * 1.2 +
      facts * 1.4 +
      titleShare * 0.8 +
      position * 0.8 +
      sapo +
      tooShort;
  });
}

/**
 * An enumerating sentence cut after its last whole clause that fits (clauses end at `;` or
 * `:`), ending with "…"; undefined when not even one clause after the first fits.
 */
export function shortenAtClauses(sentence: string, room: number): string | undefined {
  if (sentence.length <= room) return sentence;
  let best: string | undefined;
  let clauses = 0;
  for (let i = 0; i < sentence.length && i < room; i++) {
    const ch = sentence[i];
    if ((ch === ";" || ch === ":") && sentence[i + 1] === " ") {
      clauses++;
      const head = sentence.slice(0, i).trimEnd();
      // The words before a colon only announce a list: keep at least one item of it.
      if (ch === ";" && head.length + 1 <= room) best = `${head}…`;
    }
  }
  return clauses > 0 ? best : undefined;
}

/**
 * An extractive summary within `maxChars`: the lead first, then the sentences that carry the
 * article (its facts and its distinctive terms), in the article's order. A sentence that
 * leans on the one before it comes only with it; an enumerating sentence too long for the
 * room left is cut after a whole clause. Nothing is cut inside a number, an abbreviation or
 * a word.
 */
export function summarize(title: string, text: string, options: SummaryOptions): string {
  if (options.maxChars <= 1 || !text) return "";
  // One character kept for the "…" a summary ending mid-thought gets.
  const maxChars = options.maxChars - 1;
  const candidates = candidatesOf(title, text);
  if (candidates.length === 0) return "";
  const lead = candidates[0] as Candidate;
  if (lead.text.length >= maxChars) {
    return shortenAtClauses(lead.text, maxChars) ?? truncateAtWord(lead.text, maxChars);
  }
  score(candidates, title);
  const chosen = new Map<number, string>([[0, lead.text]]);
  let used = lead.text.length;
  // Best value for the room it takes: a short sentence with two figures before a long one with three.
  const value = (c: Candidate) => c.score / Math.sqrt(Math.max(60, c.text.length) / 120);
  const rest = candidates.slice(1).sort((a, b) => value(b) - value(a) || a.index - b.index);
  // The sentence that scores best outright goes in first, whole or (a list too long for the
  // room) up to its last clause that fits.
  const best = rest.reduce<Candidate | undefined>((b, c) => (!b || c.score > b.score ? c : b), undefined);
  if (best && !best.dependent && best.facts >= 6) {
    const piece = shortenAtClauses(best.text, maxChars - used - 2);
    if (piece && piece.length >= 80) {
      chosen.set(best.index, piece);
      used += piece.length + 2;
    }
  }
  // Whole sentences first; then, in the room left, the best enumerating sentence that did not
  // fit, cut after a whole clause (a list of figures is worth its first items).
  for (const pass of [0, 1]) {
    for (const c of rest) {
      if (chosen.has(c.index)) continue;
      const room = maxChars - used - 2;
      if (room < 40) break;
      const before = candidates[c.index - 1] as Candidate;
      if (c.dependent && !chosen.has(before.index)) {
        // With the sentence it leans on, or not at all.
        const both = before.text.length + c.text.length + 4;
        if (pass === 0 && !before.dependent && both <= maxChars - used) {
          chosen.set(before.index, before.text);
          chosen.set(c.index, c.text);
          used += both;
        }
        continue;
      }
      if (pass === 0) {
        if (c.text.length <= room) {
          chosen.set(c.index, c.text);
          used += c.text.length + 2;
        }
        continue;
      }
      // A list cut short leaves room for a sentence or two beside it.
      const piece = shortenAtClauses(c.text, room);
      if (piece && piece.length >= 80) {
        chosen.set(c.index, piece);
        used += piece.length + 2;
        break;
      }
    }
  }
  const order = [...chosen.keys()].sort((a, b) => a - b);
  let out = "";
  order.forEach((index, k) => {
    const c = candidates[index] as Candidate;
    if (k > 0)
      out += c.paragraph === (candidates[order[k - 1] as number] as Candidate).paragraph ? " " : "\n\n";
    out += chosen.get(index) as string;
  });
  // Leaving sentences out in between is normal; say so only when the text ends mid-thought.
  const last = order[order.length - 1] as number;
  const shortened = last < candidates.length - 1 && !/[.!?…]["”’»)]*$/.test(out);
  return shortened ? `${out}…` : out;
}
