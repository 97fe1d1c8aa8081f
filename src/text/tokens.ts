import { BACKGROUND_PAIRS, BACKGROUND_SYLLABLES, BACKGROUND_TOKENS } from "./background-data.js";

/**
 * Syllables (Vietnamese is written one syllable per space-separated word) and their weight
 * against a background of general Vietnamese news text.
 */

/** Lower-cased words of a text (letters and digits; `36.403` and `29/2/2024` stay one word). */
export function syllables(s: string): string[] {
  // A hand-rolled scan: the Unicode-property regex was the summariser's hottest spot. Latin
  // (Vietnamese included) is classified by code point; anything else asks the regex.
  const lower = s.toLowerCase();
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= lower.length; i++) {
    const code = i < lower.length ? lower.charCodeAt(i) : 32;
    let word = isWordChar(code, lower[i] as string);
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

function isWordChar(code: number, ch: string): boolean {
  if (code < 0x80)
    return (code >= 48 && code <= 57) || (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
  if (code >= 0xc0 && code <= 0x24f) return code !== 0xd7 && code !== 0xf7;
  if ((code >= 0x300 && code <= 0x36f) || (code >= 0x1e00 && code <= 0x1eff)) return true;
  if (code < 0xc0 || (code >= 0x2000 && code <= 0x2bff)) return false;
  return OTHER_WORD_CHAR.test(ch);
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

/** The background: how often each syllable and pair appears in general news text. */
interface Background {
  tokens: number;
  singles: Map<string, number>;
  pairs: Map<string, number>;
}

let background: Background | undefined;

function parseBackground(tokens: number, singles: string, pairs: string): Background {
  const read = (s: string) => {
    const m = new Map<string, number>();
    for (const entry of s.split(" ")) {
      const colon = entry.lastIndexOf(":");
      if (colon > 0) m.set(entry.slice(0, colon).replace("_", " "), Number(entry.slice(colon + 1)));
    }
    return m;
  };
  return { tokens, singles: read(singles), pairs: read(pairs) };
}

/**
 * How distinctive a syllable (or a pair "a b") is: the log of how much rarer it is in general
 * news than an average term, from 0 for the commonest to about 9 for one never seen.
 */
export function rarity(term: string, pair = false): number {
  // Parsed on first use (a few milliseconds), not when the module loads.
  background ??= parseBackground(BACKGROUND_TOKENS, BACKGROUND_SYLLABLES, BACKGROUND_PAIRS);
  const n = (pair ? background.pairs : background.singles).get(term) ?? 0;
  return Math.log((background.tokens + 1) / (n + 0.5)) / (pair ? 1 : 1.2);
}
