import { BACKGROUND_PAIRS, BACKGROUND_SYLLABLES, BACKGROUND_TOKENS } from "./background-data.js";

/**
 * Syllables (Vietnamese is written one syllable per space-separated word) and their weight
 * against a background of general Vietnamese news text.
 */

/** Lower-cased words of a text (letters and digits; `36.403` and `29/2/2024` stay one word). */
export function syllables(s: string): string[] {
  return wordsOfLower(s.toLowerCase());
}

/** The words of an already lower-cased text (syllables without its `toLowerCase`). */
export function wordsOfLower(lower: string): string[] {
  // A hand-rolled scan: the Unicode-property regex was the summariser's hottest spot. Latin
  // (Vietnamese included) is classified by code point; anything else asks the regex.
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= lower.length; i++) {
    const code = i < lower.length ? lower.charCodeAt(i) : 32;
    let word = isWordChar(code, lower, i);
    // A period, comma or slash between digits belongs to the number: 36.403, 3,5, 29/2/2024.
    if (!word && start >= 0 && (code === 46 || code === 44 || code === 47)) {
      const prev = lower.charCodeAt(i - 1);
      const next = lower.charCodeAt(i + 1);
      word = prev >= 48 && prev <= 57 && next >= 48 && next <= 57;
    }
    if (word && start < 0) start = i;
    else if (!word && start >= 0) {
      out.push(lower.slice(start, i));
      start = -1;
    }
  }
  return out;
}

const OTHER_WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;

/** Whether the code unit at `i` of `s` (`code`) is part of a word; the character is only made for rare scripts. */
function isWordChar(code: number, s: string, i: number): boolean {
  if (code < 0x80)
    return (code >= 48 && code <= 57) || (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
  if (code >= 0xc0 && code <= 0x24f) return code !== 0xd7 && code !== 0xf7;
  if ((code >= 0x300 && code <= 0x36f) || (code >= 0x1e00 && code <= 0x1eff)) return true;
  if (code < 0xc0 || (code >= 0x2000 && code <= 0x2bff)) return false;
  return OTHER_WORD_CHAR.test(s[i] as string);
}

/**
 * Syllables that carry no topic on their own: function words, pronouns, common verbs of
 * reporting and time words of Vietnamese news, and English function words.
 */
export const STOPWORDS = new Set(
  (
    "và của là có được các những cho với trong đã này để không người một khi từ theo về ra đến tại cũng như " +
    "thì sẽ đang bị do nhiều năm ngày cùng nên vào lại còn rất đó nhưng hay hoặc mà nếu vì trên dưới sau trước " +
    "qua giữa đều chỉ vẫn mới đây kia nào gì ấy nhà việc thời gian hơn số hai ba bốn năm sáu bảy tám chín mười " +
    "trăm nghìn ngàn triệu tỷ tháng tuần giờ phút hôm nay qua tới vừa rồi lúc đó sau khi cả mỗi mọi từng toàn " +
    "bộ phần những nhau mình họ chúng tôi ta anh chị em ông bà cô chú bác nó hắn ai đâu sao thế vậy nhiên " +
    "ngoài đồng thời bên cạnh đó tuy nhiên trong đó cùng với theo đó do đó vì vậy bởi vì tức là nghĩa " +
    "cho biết cho hay nói rằng thông tin ghi nhận đánh giá khẳng định nhấn mạnh chia sẻ phát biểu cho rằng " +
    "làm thực hiện tổ chức tiếp tục đặc biệt hiện nay gần khoảng hơn trên dưới nhất lần đợt cách thêm " +
    "the a an of to in and for on is are was were be by with as at from that this it its or but not have has " +
    "had will would their they he she said says also more than about after over into up out new"
  ).split(" "),
);

/**
 * Syllables as numbers for the summariser's counts: an id indexes an array and a pair of ids
 * makes one number, where strings would be hashed (and pairs concatenated) on every lookup.
 * Ids below `known` are the background's syllables and the stop words; an article's other
 * syllables get ids of their own per article (ArticleTerms).
 */
export const MAX_IDS = 1 << 14;

interface Vocabulary {
  ids: Map<string, number>;
  known: number;
  rarity: Float64Array;
  stop: Uint8Array;
  /** Rarity of the background's pairs, keyed `a * MAX_IDS + b`. */
  pairs: Map<number, number>;
}

let vocabulary: Vocabulary | undefined;

/**
 * How distinctive a syllable (or a pair) is: the log of how much rarer it is in general news
 * than an average term, from 0 for the commonest to about 9 for one never seen.
 */
function rarityOf(count: number, pair: boolean): number {
  return Math.log((BACKGROUND_TOKENS + 1) / (count + 0.5)) / (pair ? 1 : 1.2);
}
const UNSEEN = rarityOf(0, false);
const UNSEEN_PAIR = rarityOf(0, true);

function buildVocabulary(): Vocabulary {
  const counts = new Map<string, number>();
  const entries = (s: string) =>
    s.split(" ").flatMap((entry) => {
      const colon = entry.lastIndexOf(":");
      return colon > 0 ? [[entry.slice(0, colon), Number(entry.slice(colon + 1))] as const] : [];
    });
  for (const [w, n] of entries(BACKGROUND_SYLLABLES)) counts.set(w, n);
  const ids = new Map<string, number>();
  const add = (w: string) => {
    let id = ids.get(w);
    if (id === undefined) {
      id = ids.size;
      ids.set(w, id);
    }
    return id;
  };
  for (const w of counts.keys()) add(w);
  for (const w of STOPWORDS) add(w);
  const pairs = new Map<number, number>();
  for (const [key, n] of entries(BACKGROUND_PAIRS)) {
    const [a, b] = key.split("_") as [string, string];
    pairs.set(add(a) * MAX_IDS + add(b), rarityOf(n, true));
  }
  const rarity = new Float64Array(ids.size);
  const stop = new Uint8Array(ids.size);
  for (const [w, id] of ids) {
    rarity[id] = rarityOf(counts.get(w) ?? 0, false);
    stop[id] = STOPWORDS.has(w) ? 1 : 0;
  }
  return { ids, known: ids.size, rarity, stop, pairs };
}

/** One article's syllable ids: the shared vocabulary's, then new ones for its other syllables. */
export class ArticleTerms {
  private readonly vocabulary: Vocabulary;
  private readonly local = new Map<string, number>();
  private next: number;

  constructor() {
    // Built on first use (a few milliseconds), not when the module loads.
    vocabulary ??= buildVocabulary();
    this.vocabulary = vocabulary;
    this.next = vocabulary.known;
  }

  id(word: string): number {
    const known = this.vocabulary.ids.get(word);
    if (known !== undefined) return known;
    let id = this.local.get(word);
    if (id === undefined) {
      // Past the cap (never reached by the 40 sentences read), the rest share the last id.
      id = this.next < MAX_IDS - 1 ? this.next++ : MAX_IDS - 1;
      this.local.set(word, id);
    }
    return id;
  }

  isStop(id: number): boolean {
    return id < this.vocabulary.known && this.vocabulary.stop[id] === 1;
  }

  rarity(id: number): number {
    return id < this.vocabulary.known ? (this.vocabulary.rarity[id] as number) : UNSEEN;
  }

  /** Rarity of the pair `a b`, given as `a * MAX_IDS + b`. */
  pairRarity(key: number): number {
    return this.vocabulary.pairs.get(key) ?? UNSEEN_PAIR;
  }
}
