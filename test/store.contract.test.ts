import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FeedItem } from "../src/feeds/item.js";
import { createOutboxRepo, newDelivery } from "../src/store/outbox.js";
import {
  createFeedStateRepo,
  createItemsRepo,
  createMetaRepo,
  createSeenRepo,
  newFeedState,
} from "../src/store/repos.js";
import { NAMESPACES, openStore, type Store } from "../src/store/store.js";
import { createSubscriptionRepo } from "../src/store/subscriptions.js";
import { serviceUrl, tempDir, testLog } from "./helpers.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const item = (id: string, published: string): FeedItem => ({
  id,
  feed: "f",
  title: id,
  text: "",
  categories: [],
  published,
});

/** One contract, every backend: what the app relies on from its store. */
function contract(name: string, open: () => Promise<Store>) {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    // A fresh feed name per run keeps runs against a shared server apart.
    const feed = `feed-${randomUUID().slice(0, 8)}`;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      for (const ns of [...NAMESPACES, "t1", "t2"]) await store.ns(ns).clear();
      await store.close();
    });

    it("keeps namespaces apart", async () => {
      await store.ns("t1").set("k", { a: 1 });
      await store.ns("t2").set("k", "other");
      expect(await store.ns("t1").get("k")).toEqual({ a: 1 });
      expect(await store.ns("t2").get("k")).toBe("other");
      await store.ns("t1").delete("k");
      expect(await store.ns("t1").get("k")).toBeUndefined();
      expect(await store.ns("t2").get("k")).toBe("other");
    });

    it("writes a batch with setMany and reads it with getMany", async () => {
      const entries = Array.from({ length: 500 }, (_, i) => ({ key: `b${i}`, value: { i, s: "Việt" } }));
      await store.ns("t1").setMany(entries);
      const got = await store.ns("t1").get(entries.map((e) => e.key));
      expect(got).toEqual(entries.map((e) => e.value));
    });

    it("expires entries after their TTL", async () => {
      await store.ns("t1").set("short", 1, 60);
      await store.ns("t1").set("long", 2, 60_000);
      await sleep(150);
      expect(await store.ns("t1").get("short")).toBeUndefined();
      expect(await store.ns("t1").get("long")).toBe(2);
      await store.purgeExpired();
      expect(await store.ns("t1").get("long")).toBe(2);
    });

    it("seen ids: unseen until marked, any key of an item counts", async () => {
      const seen = createSeenRepo(store, 60_000);
      expect(await seen.filterUnseen(feed, [["a"], ["b", "https://x/b"]])).toEqual([true, true]);
      await seen.markSeen(feed, ["a", "https://x/b"]);
      expect(await seen.filterUnseen(feed, [["a"], ["b2", "https://x/b"], ["c"]])).toEqual([
        false,
        false,
        true,
      ]);
      expect(await seen.filterUnseen(`${feed}-other`, [["a"]])).toEqual([true]);
    });

    it("recent items: newest first, deduplicated, capped", async () => {
      const items = createItemsRepo(store, 3);
      await items.merge(feed, [item("1", "2024-01-01T00:00:00Z"), item("2", "2024-01-02T00:00:00Z")]);
      const kept = await items.merge(feed, [
        item("3", "2024-01-03T00:00:00Z"),
        item("1", "2024-01-01T00:00:00Z"),
        item("4", "2024-01-04T00:00:00Z"),
      ]);
      expect(kept).toBe(3);
      expect((await items.recent(feed)).map((i) => i.id)).toEqual(["4", "3", "2"]);
    });

    it("feed state and the cycle counter persist", async () => {
      const states = createFeedStateRepo(store);
      const st = { ...newFeedState(feed, "https://x/rss"), etag: '"e"', failures: 2 };
      await states.save(st);
      expect(await states.get(feed)).toEqual(st);
      expect(await states.getMany([feed, "missing"])).toEqual([st, undefined]);
      const meta = createMetaRepo(store);
      const a = await meta.nextCycle();
      expect(await meta.nextCycle()).toBe(a + 1);
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it("subscriptions: save, list, topics, remove a chat, follow a migration", async () => {
      const subs = createSubscriptionRepo(store);
      const at = new Date().toISOString();
      await subs.save({ chatId: -5, feeds: "all", chatType: "group", createdAt: at });
      await subs.save({ chatId: -6, threadId: 9, feeds: ["a"], chatType: "supergroup", createdAt: at });
      await subs.save({ chatId: -6, feeds: ["b"], chatType: "supergroup", createdAt: at });
      await Promise.all(
        [7, 8, 9].map((id) => subs.save({ chatId: id, feeds: "all", chatType: "private", createdAt: at })),
      );
      expect((await subs.list()).length).toBe(6);
      expect((await subs.get(-6, 9))?.feeds).toEqual(["a"]);
      expect(await subs.removeChat(-6)).toBe(2);
      await subs.moveChat(-5, -1005);
      expect(await subs.forChat(-5)).toEqual([]);
      expect((await subs.forChat(-1005))[0]).toMatchObject({
        chatId: -1005,
        chatType: "supergroup",
        feeds: "all",
      });
      expect(await subs.remove(7)).toBe(true);
      expect(await subs.remove(7)).toBe(false);
      expect((await subs.list()).map((s) => s.chatId).sort()).toEqual([-1005, 8, 9]);
    });

    it("outbox and ledger: queued once, listed, completed, dropped, moved", async () => {
      const outbox = createOutboxRepo(store, 60_000);
      const it1 = item(`o1-${feed}`, "2024-01-01T00:00:00Z");
      const it2 = item(`o2-${feed}`, "2024-01-01T00:00:00Z");
      const a = newDelivery(-5, undefined, feed, it1);
      const b = newDelivery(-5, 3, feed, it2);
      const c = newDelivery(8, undefined, feed, it1);
      expect((await outbox.enqueue([a, b, c])).length).toBe(3);
      expect(await outbox.enqueue([a])).toEqual([]);
      expect((await outbox.pending()).map((d) => d.key).sort()).toEqual([a.key, b.key, c.key].sort());
      await outbox.complete([a]);
      expect(await outbox.isSent(a.key)).toBe(true);
      expect(await outbox.enqueue([a])).toEqual([]);
      await outbox.drop([c], "chat gone");
      expect(await outbox.enqueue([c])).toEqual([]);
      const moved = await outbox.moveChat(-5, -1005);
      expect(moved.map((d) => [d.chatId, d.threadId])).toEqual([[-1005, 3]]);
      expect((await outbox.pending()).map((d) => d.key)).toEqual([moved[0]?.key]);
      await outbox.update({ ...(moved[0] as typeof b), attempts: 2 });
      expect((await outbox.pending())[0]?.attempts).toBe(2);
    });
  });
}

const dir = tempDir();
afterAll(() => dir.cleanup());
contract("sqlite", () => openStore(`sqlite://${join(dir.path, "contract.sqlite")}`, testLog));

const redisUrl = serviceUrl("REDIS_URL");
if (redisUrl) contract("redis", () => openStore(redisUrl, testLog));
else describe.skip("store contract: redis (REDIS_URL not set)", () => it("skipped", () => {}));

describe("store failures are loud", () => {
  it("a read from a closed SQLite store rejects instead of looking empty", async () => {
    const store = await openStore(`sqlite://${join(dir.path, "closed.sqlite")}`, testLog);
    const seen = store.ns("seen");
    await store.close();
    await expect(seen.get("x")).rejects.toThrow(/not open/);
  });

  it("an unsupported STORE_URL is refused", async () => {
    await expect(openStore("mongodb://x", testLog)).rejects.toThrow(/unsupported STORE_URL/);
  });
});
