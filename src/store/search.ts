import type { Kysely } from "kysely";
import type { FeedItem } from "../domain/types.js";
import { matchWords } from "../text/match.js";
import { type Dialect, type SearchRow, searchRows } from "./dialect.js";
import { toItem } from "./items.js";
import type { Database } from "./schema.js";

/** Words a search reads, and their length: longer queries say no more and cost more. */
const MAX_WORDS = 10;
const MAX_WORD_CHARS = 40;
/** Matches ranked: the newest this many, then the best of them first. */
const CANDIDATES = 200;

/** Stored items found by words, through the database's full-text index. */
export interface SearchRepo {
  /**
   * Items of these feeds holding every word of `query` (folded: no diacritics, đ → d, whole
   * words), one per story: those whose title holds the words (as a phrase first) before the
   * others, newest first among equals.
   */
  search(query: string, feeds: string[], limit: number): Promise<FeedItem[]>;
}

/** The words of a query as the index holds them; empty when it has none. */
export function searchWords(query: string): string[] {
  return matchWords(query)
    .split(" ")
    .filter((w) => w && w.length <= MAX_WORD_CHARS)
    .slice(0, MAX_WORDS);
}

function rank(row: SearchRow, words: string[]): number {
  const phrase = ` ${words.join(" ")} `;
  const title = ` ${matchWords(row.title)} `;
  let score = 0;
  if (title.includes(phrase)) score += 4;
  else if (words.every((w) => title.includes(` ${w} `))) score += 2;
  if ((row.match_text ?? "").includes(phrase)) score += 1;
  return score;
}

export function createSearchRepo(db: Kysely<Database>, backend: Dialect): SearchRepo {
  return {
    async search(query, feeds, limit) {
      const words = searchWords(query);
      const rows = await searchRows(backend, db, words, feeds, CANDIDATES);
      // Stable: newest first (the query's order) among rows of one rank.
      const ranked = rows.map((row, k) => ({ row, k, score: rank(row, words) }));
      ranked.sort((a, b) => b.score - a.score || a.k - b.k);
      const stories = new Set<string>();
      const out: FeedItem[] = [];
      for (const { row } of ranked) {
        if (stories.has(row.story_key)) continue;
        stories.add(row.story_key);
        out.push(toItem(row));
        if (out.length >= limit) break;
      }
      return out;
    },
  };
}
