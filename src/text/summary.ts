import { type Candidate, candidatesOf } from "./candidates.js";
import { ArticleTerms, MAX_IDS } from "./tokens.js";

export { truncateAtWord } from "./truncate.js";

import { truncateAtWord } from "./truncate.js";

export interface SummaryOptions {
  /** Upper bound in characters (UTF-16 units) for the summary text. */
  maxChars: number;
}

/** Scratch counts per syllable id, reset after each article (summaries are made one at a time). */
const singleCounts = new Int32Array(MAX_IDS);
const seenStamp = new Int32Array(MAX_IDS);
let stamp = 0;

/**
 * Scores each sentence: terms distinctive of this article (TF-IDF: how often the article
 * uses a syllable or a pair of syllables, times how rare it is in general Vietnamese news),
 * its facts, its words shared with the title, and its place (news is written lead-first).
 */
function score(candidates: Candidate[], vocabulary: ArticleTerms, titleTokens: Set<number>): void {
  const pairCounts = new Map<number, number>();
  for (const c of candidates) {
    for (const t of c.terms) singleCounts[t] = (singleCounts[t] as number) + 1;
    for (const p of c.pairs) pairCounts.set(p, (pairCounts.get(p) ?? 0) + 1);
  }
  let maxTopic = 0;
  let maxFacts = 0;
  const titleHits: number[] = [];
  const seenPairs = new Set<number>();
  const topic = candidates.map((c) => {
    if (++stamp === 0x7fffffff) {
      seenStamp.fill(0);
      stamp = 1;
    }
    let sum = 0;
    let hit = 0;
    for (const t of c.terms) {
      if (seenStamp[t] === stamp) continue;
      seenStamp[t] = stamp;
      if (titleTokens.has(t)) hit++;
      sum += Math.log1p(singleCounts[t] as number) * vocabulary.rarity(t);
    }
    seenPairs.clear();
    for (const p of c.pairs) {
      if (seenPairs.has(p)) continue;
      seenPairs.add(p);
      const n = pairCounts.get(p) as number;
      // A pair the article uses once is chance; repeated, it names the subject ("Lộc Hà").
      if (n >= 2) sum += Math.log1p(n) * vocabulary.pairRarity(p);
    }
    titleHits.push(hit);
    const v = c.terms.length ? sum / Math.sqrt(c.terms.length + 4) : 0;
    if (v > maxTopic) maxTopic = v;
    if (c.facts > maxFacts) maxFacts = c.facts;
    return v;
  });
  for (const c of candidates) for (const t of c.terms) singleCounts[t] = 0;
  candidates.forEach((c, i) => {
    const titleShare = titleTokens.size ? (titleHits[i] as number) / titleTokens.size : 0;
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
  const vocabulary = new ArticleTerms();
  const titleTokens = new Set<number>();
  const candidates = candidatesOf(title, text, vocabulary, titleTokens);
  if (candidates.length === 0) return "";
  const lead = candidates[0] as Candidate;
  if (lead.text.length >= maxChars) {
    return shortenAtClauses(lead.text, maxChars) ?? truncateAtWord(lead.text, maxChars);
  }
  score(candidates, vocabulary, titleTokens);
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
