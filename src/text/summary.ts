import { splitSentences } from "./sentences.js";

export interface SummaryOptions {
  /** Upper bound in characters (UTF-16 units) for the summary text. */
  maxChars: number;
}

/** Syllables that carry no topic on their own (Vietnamese is written one syllable per word). */
const STOPWORDS = new Set(
  (
    "và của là có được các những cho với trong đã này để không người một khi từ theo về ra đến tại cũng như " +
    "thì sẽ đang bị do nhiều năm ngày cùng nên vào lại còn rất đó nhưng hay hoặc mà nếu vì trên dưới sau trước " +
    "qua giữa đều chỉ vẫn mới đây kia nào gì ấy nhà việc thời gian hơn số hai ba the a an of to in and for on is " +
    "are was were be by with as at from that this it its or but not have has had will would their they he she"
  ).split(" "),
);

/** Lines that are not article prose: photo credits, bylines, "read more" stubs. */
const BOILERPLATE =
  /^(?:ảnh|photo|video|nguồn|source|theo|đọc thêm|xem thêm|read more|tin liên quan)\b[^.]{0,80}$/iu;

/** Lower-cased words of a sentence (letters and digits). */
function words(s: string): string[] {
  // A hand-rolled scan: the Unicode-property regex was the summariser's hottest spot. Latin
  // (Vietnamese included) is classified by code point; anything else asks the regex.
  const lower = s.toLowerCase();
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= lower.length; i++) {
    const word = i < lower.length && isWordChar(lower.charCodeAt(i), lower[i] as string);
    if (word && start < 0) start = i;
    else if (!word && start >= 0) {
      out.push(lower.slice(start, i));
      start = -1;
    }
  }
  return out;
}

const OTHER_WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;

function isWordChar(code: number, ch: string): boolean {
  if (code < 0x80)
    return (code >= 48 && code <= 57) || (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
  if (code >= 0xc0 && code <= 0x24f) return code !== 0xd7 && code !== 0xf7;
  if ((code >= 0x300 && code <= 0x36f) || (code >= 0x1e00 && code <= 0x1eff)) return true;
  if (code < 0xc0 || (code >= 0x2000 && code <= 0x2bff)) return false;
  return OTHER_WORD_CHAR.test(ch);
}

function topical(ws: string[]): string[] {
  return ws.filter((t) => !STOPWORDS.has(t));
}

function overlap(a: string[], b: Set<string>): number {
  if (a.length === 0) return 0;
  let hit = 0;
  for (const t of a) if (b.has(t)) hit++;
  return hit / a.length;
}

interface Candidate {
  text: string;
  index: number;
  paragraph: number;
  tokens: string[];
  score: number;
}

/**
 * News is written lead-first: the summary never needs sentences past the first few dozen, so
 * long articles are not split or scored beyond this.
 */
const MAX_SENTENCES = 40;

/**
 * An extractive summary: the lead sentence first (news is written lead-first), then the
 * sentences that share most topic words with the article and the title, in article order,
 * within `maxChars`. Sentences that only repeat the title are left out. When even the lead
 * does not fit, it is cut at a word boundary and ends with "…".
 */
export function summarize(title: string, text: string, { maxChars }: SummaryOptions): string {
  if (maxChars <= 0 || !text) return "";
  const titleWords = words(title);
  const titleKey = titleWords.join(" ");
  const titleTokens = new Set(topical(titleWords));
  const candidates: Candidate[] = [];
  const paragraphs = text.split(/\n{2,}/);
  for (let pi = 0; pi < paragraphs.length && candidates.length < MAX_SENTENCES; pi++) {
    for (const s of splitSentences(paragraphs[pi] as string)) {
      const ws = words(s);
      const key = ws.join(" ");
      // (The boilerplate pattern only matches short lines; skip the regex for long ones.)
      if (!key || (s.length < 100 && BOILERPLATE.test(s))) continue;
      // Repeats of the title (feeds often put it first in the description).
      if (key === titleKey || titleKey.includes(key)) continue;
      const toks = topical(ws);
      if (
        toks.length > 0 &&
        titleTokens.size > 0 &&
        toks.length <= titleTokens.size + 2 &&
        overlap(toks, titleTokens) > 0.9
      ) {
        continue;
      }
      candidates.push({ text: s, index: candidates.length, paragraph: pi, tokens: toks, score: 0 });
      if (candidates.length >= MAX_SENTENCES) break;
    }
  }
  if (candidates.length === 0) return "";
  const lead = candidates[0] as Candidate;
  if (lead.text.length >= maxChars) return truncateAtWord(lead.text, maxChars);

  // Topic words: in how many sentences each appears, so sentences about the main subject score high.
  const freq = new Map<string, number>();
  for (const c of candidates) for (const t of new Set(c.tokens)) freq.set(t, (freq.get(t) ?? 0) + 1);
  for (const c of candidates) {
    if (c.tokens.length === 0) continue;
    let sum = 0;
    for (const t of c.tokens) sum += (freq.get(t) ?? 1) - 1;
    const density = sum / Math.sqrt(c.tokens.length);
    const position = 1 / (1 + c.index * 0.3);
    const titleBonus = overlap(c.tokens, titleTokens);
    const numbers = /\d/.test(c.text) ? 0.2 : 0;
    const tooShort = c.text.length < 25 ? -1 : 0;
    c.score = density * 0.5 + position * 2 + titleBonus * 1.5 + numbers + tooShort;
  }

  const chosen: Candidate[] = [lead];
  let used = lead.text.length;
  const rest = candidates.slice(1).sort((a, b) => b.score - a.score || a.index - b.index);
  for (const c of rest) {
    const cost = c.text.length + 2;
    if (used + cost <= maxChars) {
      chosen.push(c);
      used += cost;
    }
  }
  chosen.sort((a, b) => a.index - b.index);
  let out = "";
  for (let i = 0; i < chosen.length; i++) {
    const c = chosen[i] as Candidate;
    if (i > 0) out += c.paragraph === (chosen[i - 1] as Candidate).paragraph ? " " : "\n\n";
    out += c.text;
  }
  // Leaving sentences out in between is normal; say so only when the text ends mid-thought.
  const last = chosen[chosen.length - 1] as Candidate;
  const shortened = last.index < candidates.length - 1 && !/[.!?…]["”’»)]*$/.test(last.text);
  return shortened ? `${out}…` : out;
}

/**
 * Cuts `text` to at most `max` UTF-16 units at a word boundary and appends "…". Never splits a
 * word, a surrogate pair or a base letter from its combining marks (cuts only at white space,
 * or, for one giant token, before a code point that starts a new grapheme).
 */
export function truncateAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = Math.max(0, max - 1);
  // The last white space at or before `room` (scanning back, not a regex over the whole head).
  let space = room;
  while (space > 0 && !isSpace(text.charCodeAt(space))) space--;
  let cut = space > 0 ? space : safeCodeUnitCut(text, room);
  // Do not end on a dangling punctuation mark or opening bracket.
  while (cut > 0 && /[\s,;:([“"'‘-]/.test(text[cut - 1] as string)) cut--;
  return `${text.slice(0, cut)}…`;
}

function isSpace(code: number): boolean {
  return (
    code === 32 ||
    code === 10 ||
    code === 9 ||
    code === 13 ||
    code === 0xa0 ||
    (code >= 0x2000 && code <= 0x200a)
  );
}

function safeCodeUnitCut(text: string, at: number): number {
  let cut = at;
  // Back off over low surrogates and combining marks so the cut starts a new grapheme.
  while (cut > 0 && (/[\uDC00-\uDFFF]/.test(text[cut] ?? "") || /\p{M}/u.test(text[cut] ?? ""))) cut--;
  return cut;
}
