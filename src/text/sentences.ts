/**
 * A sentence splitter for Vietnamese news text (English works too).
 *
 * A period is a sentence end only when it is followed by white space (so `36.403`, `3,5`,
 * `29/2/2024`, `TP.HCM`, `Q.1`, `vnexpress.net` never break), the word before it is not an
 * abbreviation or an initial, and the next word does not start in lower case. Closing quotes
 * and brackets right after the punctuation stay with their sentence. URLs and e-mail addresses
 * are opaque.
 */

/** Lower-cased abbreviations that take a period and are normally followed by more of the sentence. */
const ABBREVIATIONS = new Set([
  // Vietnamese titles, degrees and administrative units
  "tp",
  "tx",
  "tt",
  "gs",
  "pgs",
  "ts",
  "ths",
  "th.s",
  "bs",
  "bsck",
  "bscki",
  "bsckii",
  "ks",
  "cn",
  "ls",
  "nsnd",
  "nsưt",
  "nxb",
  "ttxvn",
  "đc",
  "đt",
  "stt",
  "tr",
  "hđnd",
  "ubnd",
  "bch",
  "ttg",
  "gđ",
  "pgđ",
  "kts",
  "lm",
  "gm",
  "hlv",
  "nđ-cp",
  "qđ",
  "qđ-ttg",
  "tw",
  "sđt",
  "vd",
  "ths.bs",
  "ck",
  "ckii",
  "cki",
  "đh",
  // English
  "mr",
  "mrs",
  "ms",
  "dr",
  "prof",
  "st",
  "jr",
  "sr",
  "inc",
  "ltd",
  "corp",
  "vs",
  "fig",
  "e.g",
  "i.e",
  "approx",
  "dept",
  "gov",
  "lt",
  "sgt",
  "capt",
  "rev",
  "jan",
  "feb",
  "mar",
  "apr",
  "jun",
  "jul",
  "aug",
  "sep",
  "sept",
  "oct",
  "nov",
  "dec",
  "u.s",
  "u.k",
  "ph.d",
  "ave",
  "blvd",
]);

const ADMIN_LETTERS = new Set(["Q", "P", "H", "X"]);
const CLOSERS = "\"'”’»)]}›";
const OPENERS = "\"'“‘«([{‹";
/** URLs, www. hosts and e-mail addresses: periods inside are never boundaries. */
const URLS = /(?:https?:\/\/|www\.)[^\s<>"“”]+[^\s<>"“”.,;:!?)\]}…]/giu;
const EMAILS = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
const TERMINAL = /[.!?…]/g;

export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  for (const paragraph of text.split(/\n+/)) {
    const p = paragraph.trim();
    if (p) splitParagraph(p, sentences);
  }
  return sentences;
}

function splitParagraph(p: string, out: string[]): void {
  // Most sentences hold no URL or address: only build the mask when one can be there.
  let opaque: Uint8Array | undefined;
  const mask = (re: RegExp) => {
    for (const m of p.matchAll(re)) {
      opaque ??= new Uint8Array(p.length);
      opaque.fill(1, m.index, m.index + m[0].length);
    }
  };
  if (p.includes("://") || p.includes("www.")) mask(URLS);
  if (p.includes("@")) mask(EMAILS);
  let start = 0;
  TERMINAL.lastIndex = 0;
  for (let m = TERMINAL.exec(p); m; m = TERMINAL.exec(p)) {
    const i = m.index;
    if (opaque?.[i]) continue;
    // The whole run of terminal punctuation, then any closing quotes or brackets.
    let end = i;
    while (end < p.length && isTerminal(p[end] as string)) end++;
    const run = p.slice(i, end);
    while (end < p.length && CLOSERS.includes(p[end] as string)) end++;
    TERMINAL.lastIndex = end;
    if (end < p.length && !/\s/.test(p[end] as string)) continue; // 36.403, TP.HCM, Q.1: no break
    if (isBoundary(p, start, i, end, run)) {
      const s = p.slice(start, end).trim();
      if (s) out.push(s);
      start = end;
    }
  }
  const rest = p.slice(start).trim();
  if (rest) out.push(rest);
}

function isTerminal(ch: string): boolean {
  return ch === "." || ch === "!" || ch === "?" || ch === "…";
}

function isBoundary(p: string, start: number, at: number, end: number, run: string): boolean {
  const next = nextWordStart(p, end);
  if (next === undefined) return true;
  // A sentence never starts in lower case: "… v.v. và", "Sao vậy?" anh hỏi.
  if (/\p{Ll}/u.test(next)) return false;
  if (run === "." || run === "..") {
    const word = wordBefore(p, start, at);
    if (!word) return true;
    const lower = word.toLowerCase();
    if (ABBREVIATIONS.has(lower)) return false;
    // Chained titles: PGS.TS., Th.S.BS. — every part an abbreviation.
    if (lower.includes(".") && lower.split(".").every((part) => part === "" || ABBREVIATIONS.has(part))) {
      return false;
    }
    if (/^\p{Lu}$/u.test(word)) {
      // Q. (quận), P. (phường), H. (huyện), X. (xã) before a place name.
      if (ADMIN_LETTERS.has(word)) return false;
      // An initial after a capitalised word or at the start: "Nguyễn V. A", "J. R. Tolkien";
      // not a unit after a number: "12 độ C. Vùng núi…".
      const prev = previousWord(p, start, at - word.length);
      if (prev === "" || /^\p{Lu}/u.test(prev)) return false;
    }
  }
  return true;
}

/** The first letter or digit after `from`, skipping spaces and opening quotes or brackets. */
function nextWordStart(p: string, from: number): string | undefined {
  for (let j = from; j < p.length; j++) {
    const c = p[j] as string;
    if (/\s/.test(c) || OPENERS.includes(c) || c === "-" || c === "–" || c === "—") continue;
    return c;
  }
  return undefined;
}

/** The token right before the punctuation at `at` (letters, digits, inner periods, hyphens). */
function wordBefore(p: string, start: number, at: number): string {
  let j = at;
  while (j > start && /[\p{L}\p{N}.-]/u.test(p[j - 1] as string)) j--;
  return p.slice(j, at).replace(/^[.-]+/, "");
}

/** The word before position `at` (skipping spaces), or "" at the start of the sentence. */
function previousWord(p: string, start: number, at: number): string {
  let j = at;
  while (j > start && /\s/.test(p[j - 1] as string)) j--;
  const end = j;
  while (j > start && !/\s/.test(p[j - 1] as string)) j--;
  return p.slice(j, end);
}
