import type { FeedSource } from "../config.js";
import { fold } from "../text/fold.js";
import { createLock } from "./lock.js";
import type { Store } from "./store.js";

/**
 * The feeds being polled: the operator's FEEDS (trusted) plus those bot admins added with
 * /addfeed (untrusted: SSRF-guarded), minus those removed with /removefeed.
 */
export interface FeedRegistry {
  all(): Promise<FeedSource[]>;
  find(name: string): Promise<FeedSource | undefined>;
  isTrusted(feed: FeedSource): boolean;
  add(feed: FeedSource): Promise<void>;
  remove(name: string): Promise<boolean>;
}

export function createFeedRegistry(operatorFeeds: FeedSource[], store: Store): FeedRegistry {
  const ns = store.ns<FeedSource[] | string[]>("feedlist");
  const lock = createLock();
  const trusted = new Set(operatorFeeds.map((f) => `${f.name}\u0000${f.url}`));
  const added = async () => ((await ns.get("added")) as FeedSource[] | undefined) ?? [];
  const removed = async () => ((await ns.get("removed")) as string[] | undefined) ?? [];
  const all = async () => {
    const [extra, gone] = await Promise.all([added(), removed()]);
    const hidden = new Set(gone);
    const names = new Set<string>();
    const out: FeedSource[] = [];
    for (const f of [...operatorFeeds, ...extra]) {
      if (hidden.has(f.name) || names.has(f.name)) continue;
      names.add(f.name);
      out.push(f);
    }
    return out;
  };
  return {
    all,
    async find(name) {
      const all_ = await all();
      const lower = name.toLowerCase();
      // Exact name first, then as typed without diacritics or separators ("Hà Tĩnh" → hatinh).
      return all_.find((f) => f.name === lower) ?? all_.find((f) => fold(f.name) === fold(name));
    },
    isTrusted: (feed) => trusted.has(`${feed.name}\u0000${feed.url}`),
    add: (feed) =>
      lock("feeds", async () => {
        await ns.set("added", [...(await added()).filter((f) => f.name !== feed.name), feed]);
        await ns.set(
          "removed",
          (await removed()).filter((n) => n !== feed.name),
        );
      }),
    remove: (name) =>
      lock("feeds", async () => {
        const exists = (await all()).some((f) => f.name === name);
        if (!exists) return false;
        await ns.set(
          "added",
          (await added()).filter((f) => f.name !== name),
        );
        await ns.set("removed", [...new Set([...(await removed()), name])]);
        return true;
      }),
  };
}
