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
      facts * 2 +
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
  let best = -1;
  let clauses = 0;
  for (let i = sentence.indexOf(" ", 1); i > 0 && i - 1 < room; i = sentence.indexOf(" ", i + 1)) {
    const ch = sentence.charCodeAt(i - 1);
    if (ch !== 59 && ch !== 58) continue; // ";" or ":" before a space
    clauses++;
    let end = i - 1;
    while (end > 0 && /\s/.test(sentence[end - 1] as string)) end--;
    // The words before a colon only announce a list: keep at least one item of it.
    if (ch === 59 && end + 1 <= room) best = end;
  }
  return clauses > 0 && best >= 0 ? `${sentence.slice(0, best)}…` : undefined;
}

/** The first clauses of an enumerating sentence, at least 80 characters, within `room`. */
function shortestClausePiece(sentence: string, room: number): string | undefined {
  if (sentence.length <= 80) return sentence.length <= room ? sentence : undefined;
  for (let at = 80; at <= room; at += 20) {
    const piece = shortenAtClauses(sentence, at);
    if (piece && piece.length >= 80) return piece;
  }
  return undefined;
}

/** Score per room taken: a short sentence with two figures before a long one with three. */
function density(score: number, length: number): number {
  return score / Math.sqrt(Math.max(60, length) / 120);
}

/**
 * The sentences of the summary (index → text), the lead first: then, while room is left, the
 * sentence (or the sentence with the one it leans on, or an enumerating sentence cut after a
 * whole clause) that gives the most for the room it takes.
 */
function choose(candidates: Candidate[], maxChars: number): Map<number, string> {
  const lead = candidates[0] as Candidate;
  const chosen = new Map<number, string>([[0, lead.text]]);
  let used = lead.text.length;
  // The sentence that scores best outright, when it is rich in facts (the paragraph of
  // figures), is kept, at least up to its first clause: chosen for its density alone, a long
  // list would only get the room that short sentences leave. Its room is reserved, the other
  // sentences are chosen, and it then takes what they left, up to its last clause that fits.
  const top = candidates.reduce<Candidate | undefined>(
    (b, c) => (c.index > 0 && (!b || c.score > b.score) ? c : b),
    undefined,
  );
  let reserved = 0;
  let otherFacts = 0;
  for (const c of candidates) if (c.index > 0 && c !== top) otherFacts += c.facts;
  if (top && !top.dependent && top.facts >= 6) {
    // Where it holds as many figures as the rest of the article, it takes all the room it can use.
    const room = maxChars - used - 2;
    const least =
      top.facts >= otherFacts ? shortenAtClauses(top.text, room) : shortestClausePiece(top.text, room);
    if (least) {
      chosen.set(top.index, least);
      reserved = least.length + 2;
      used += reserved;
    }
  }
  for (;;) {
    const room = maxChars - used - 2;
    if (room < 40) break;
    let best: Array<[number, string]> | undefined;
    let bestValue = Number.NEGATIVE_INFINITY;
    let bestCost = 0;
    for (const c of candidates) {
      if (chosen.has(c.index)) continue;
      const before = candidates[c.index - 1] as Candidate;
      if (c.dependent && !chosen.has(before.index)) {
        // With the sentence it leans on, or not at all.
        const cost = before.text.length + c.text.length + 4;
        if (before.dependent || cost > maxChars - used) continue;
        // Worth what the better of the two is worth, for the room both take.
        const v = density(Math.max(before.score, c.score), cost);
        if (v > bestValue) {
          bestValue = v;
          best = [
            [before.index, before.text],
            [c.index, c.text],
          ];
          bestCost = cost;
        }
        continue;
      }
      const piece = c.text.length <= room ? c.text : shortenAtClauses(c.text, room);
      if (!piece || (piece !== c.text && piece.length < 80)) continue;
      // A list cut short is worth the share of it that is kept (its first items lead).
      const v = density(c.score * Math.sqrt(piece.length / c.text.length), piece.length);
      if (v > bestValue) {
        bestValue = v;
        best = [[c.index, piece]];
        bestCost = piece.length + 2;
      }
    }
    if (!best) break;
    for (const [i, t] of best) chosen.set(i, t);
    used += bestCost;
  }
  if (top && reserved) {
    const piece = shortenAtClauses(top.text, maxChars - (used - reserved) - 2);
    if (piece) chosen.set(top.index, piece);
  }
  return chosen;
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
  const chosen = choose(candidates, maxChars);
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
