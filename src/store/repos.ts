import type { FeedItem } from "../feeds/item.js";
import type { Store } from "./store.js";

/** What the poller remembers about one feed between cycles (also shown by /feeds). */
export interface FeedState {
  name: string;
  url: string;
  title?: string | undefined;
  etag?: string | undefined;
  lastModified?: string | undefined;
  /** False until the first successful read, which marks everything seen (no flood on add). */
  baselineDone: boolean;
  /** Consecutive failed cycles. */
  failures: number;
  /** The feed is not fetched before this cycle number (exponential backoff). */
  skipUntilCycle: number;
  /** Retry-After from the server, epoch ms. */
  notBefore?: number | undefined;
  lastCheckedAt?: string | undefined;
  lastSuccessAt?: string | undefined;
  lastErrorAt?: string | undefined;
  lastError?: string | undefined;
  /** Estimate for status displays. */
  nextAttemptAt?: string | undefined;
  itemsKnown: number;
}

export function newFeedState(name: string, url: string): FeedState {
  return { name, url, baselineDone: false, failures: 0, skipUntilCycle: 0, itemsKnown: 0 };
}

export interface FeedStateRepo {
  get(name: string): Promise<FeedState | undefined>;
  getMany(names: string[]): Promise<Array<FeedState | undefined>>;
  save(state: FeedState): Promise<void>;
  delete(name: string): Promise<void>;
}

export function createFeedStateRepo(store: Store): FeedStateRepo {
  const ns = store.ns<FeedState>("feeds");
  return {
    get: (name) => ns.get(name),
    getMany: async (names) => (names.length ? ns.get(names) : []),
    async save(state) {
      await ns.set(state.name, state);
    },
    async delete(name) {
      await ns.delete(name);
    },
  };
}

/** Ids of items already seen, per feed, expiring after `ttlMs` so the store does not grow forever. */
export interface SeenRepo {
  /** For each item's key list: true when none of its keys was seen. */
  filterUnseen(feed: string, keyLists: string[][]): Promise<boolean[]>;
  /** One batch (one transaction on SQLite, one MULTI on Redis). */
  markSeen(feed: string, keys: string[]): Promise<void>;
}

export function createSeenRepo(store: Store, ttlMs: number): SeenRepo {
  const ns = store.ns<number>("seen");
  const k = (feed: string, key: string) => `${feed}|${key}`;
  return {
    async filterUnseen(feed, keyLists) {
      const flat = keyLists.flat().map((key) => k(feed, key));
      if (flat.length === 0) return keyLists.map(() => true);
      const values = await ns.get(flat);
      let i = 0;
      return keyLists.map((keys) => {
        let unseen = true;
        for (let j = 0; j < keys.length; j++) if (values[i++] !== undefined) unseen = false;
        return unseen;
      });
    },
    async markSeen(feed, keys) {
      if (keys.length === 0) return;
      const now = Date.now();
      await ns.setMany([...new Set(keys)].map((key) => ({ key: k(feed, key), value: now, ttl: ttlMs })));
    },
  };
}

/** The newest items of each feed, for /latest and /feeds. */
export interface ItemsRepo {
  recent(feed: string): Promise<FeedItem[]>;
  /** Merges `items` into the feed's list (newest first, by id), keeping `keep`. Returns the count kept. */
  merge(feed: string, items: FeedItem[]): Promise<number>;
  delete(feed: string): Promise<void>;
}

export function createItemsRepo(store: Store, keep: number): ItemsRepo {
  const ns = store.ns<FeedItem[]>("items");
  return {
    async recent(feed) {
      return (await ns.get(feed)) ?? [];
    },
    async merge(feed, items) {
      const current = (await ns.get(feed)) ?? [];
      const byId = new Map<string, FeedItem>();
      for (const it of [...items, ...current]) if (!byId.has(it.id)) byId.set(it.id, it);
      const merged = [...byId.values()].sort(newestFirst).slice(0, keep);
      await ns.set(feed, merged);
      return merged.length;
    },
    async delete(feed) {
      await ns.delete(feed);
    },
  };
}

export function publishedMs(item: FeedItem): number {
  const t = item.published ? Date.parse(item.published) : Number.NaN;
  return Number.isNaN(t) ? 0 : t;
}

export function newestFirst(a: FeedItem, b: FeedItem): number {
  return publishedMs(b) - publishedMs(a);
}

export interface MetaRepo {
  nextCycle(): Promise<number>;
}

export function createMetaRepo(store: Store): MetaRepo {
  const ns = store.ns<number>("meta");
  return {
    async nextCycle() {
      const cycle = ((await ns.get("cycle")) ?? 0) + 1;
      await ns.set("cycle", cycle);
      return cycle;
    },
  };
}
