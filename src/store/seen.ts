import type { Keyv } from "keyv";

/**
 * Ids of items already seen, per feed: the deduplication layer, in Keyv (namespace `seen`,
 * on the store's own database), each id expiring after `ttlMs` and then deleted.
 */
export interface SeenRepo {
  /** For each item's key list: true when none of its keys was seen. A failed read throws. */
  filterUnseen(feed: string, keyLists: string[][]): Promise<boolean[]>;
  /** One batch. */
  markSeen(feed: string, keys: string[]): Promise<void>;
  /** Several feeds' keys in one batch (a poll cycle's). */
  markSeenMany(batches: Array<{ feed: string; keys: string[] }>): Promise<void>;
}

export function createSeenRepo(ns: Keyv<number>, ttlMs: number): SeenRepo {
  // PostgreSQL's text cannot hold U+0000: a guid with one is still a key.
  const k = (feed: string, key: string) => `${feed}|${key.replaceAll("\u0000", "\\0")}`;
  async function markSeenMany(batches: Array<{ feed: string; keys: string[] }>): Promise<void> {
    const now = Date.now();
    const entries = batches.flatMap(({ feed, keys }) =>
      [...new Set(keys)].map((key) => ({ key: k(feed, key), value: now, ttl: ttlMs })),
    );
    if (entries.length) await ns.setMany(entries);
  }
  return {
    async filterUnseen(feed, keyLists) {
      const flat = keyLists.flat().map((key) => k(feed, key));
      if (flat.length === 0) return keyLists.map(() => true);
      // Existence only: no value read or deserialised. A failed read rejects (Keyv passes the
      // adapter's error through), never "not seen".
      const present = await ns.hasMany(flat);
      let i = 0;
      return keyLists.map((keys) => {
        let unseen = true;
        for (let j = 0; j < keys.length; j++) if (present[i++]) unseen = false;
        return unseen;
      });
    },
    markSeen: (feed, keys) => markSeenMany([{ feed, keys }]),
    markSeenMany,
  };
}
