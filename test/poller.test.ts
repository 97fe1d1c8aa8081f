import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FeedSource, StoredItem } from "../src/domain/types.js";
import type { PollerDeps } from "../src/feeds/poller.js";
import { createRepos, type Repos } from "../src/store/repos.js";
import { openStore, type Store } from "../src/store/store.js";
import { type FeedServer, type RssItemSpec, rss, startFeedServer } from "./fakes/feed-server.js";
import { tempDir, testFetcher, testLog, testPoller } from "./helpers.js";

const dir = tempDir();
afterAll(() => dir.cleanup());

const day = (d: number) => `Wed, ${String(d).padStart(2, "0")} Nov 2026 08:00:00 +0700`;
const spec = (n: number, extra: Partial<RssItemSpec> = {}): RssItemSpec => ({
  title: `Tin số ${n}`,
  link: `https://tin.example/${n}.html`,
  guid: `g${n}`,
  date: day(n),
  description: `<p>Nội dung tin số ${n}. Câu thứ hai của tin.</p>`,
  ...extra,
});

let server: FeedServer;
let store: Store;
let repos: Repos;
let counter = 0;
let received: Array<{ feed: string; ids: string[] }>;
let items: Record<string, RssItemSpec[]>;
let failing: Record<string, number>;

beforeEach(async () => {
  server = await startFeedServer();
  store = await openStore(`sqlite://${join(dir.path, `p${counter++}.sqlite`)}`, { log: testLog });
  repos = createRepos(store, { operatorFeeds: [], seenTtlMs: 86_400_000 });
  received = [];
  items = {};
  failing = {};
  for (const name of ["a", "b"]) {
    server.route(`/${name}`, (req, res) => {
      const status = failing[name];
      if (status)
        return void res.writeHead(status, status === 429 ? { "retry-after": "3600" } : {}).end("down");
      const body = rss(items[name] ?? []);
      const etag = `"${Buffer.from(body).length}-${(items[name] ?? []).length}"`;
      if (req.headers["if-none-match"] === etag) return void res.writeHead(304).end();
      res.writeHead(200, { "content-type": "application/rss+xml", etag }).end(body);
    });
  }
});
afterEach(async () => {
  await server.close();
  await store.close();
});

function poller(overrides: Partial<PollerDeps> = {}) {
  const feeds: FeedSource[] = [
    { name: "a", url: server.url("/a"), kind: "http" },
    { name: "b", url: server.url("/b"), kind: "http" },
  ];
  return testPoller(repos, feeds, {
    onNewItems: async (list: StoredItem[]) => {
      for (const feed of new Set(list.map((s) => s.item.feed)))
        received.push({ feed, ids: list.filter((s) => s.item.feed === feed).map((s) => s.item.id) });
    },
    ...overrides,
  });
}
const idsFor = (feed: string) => received.filter((r) => r.feed === feed).flatMap((r) => r.ids);
const hits = (path: string) => server.requests.filter((r) => r.path === path).length;

describe("poller", () => {
  it("treats the first read as a baseline: only the newest item is announced", async () => {
    items.a = [spec(5), spec(4), spec(3), spec(2), spec(1)];
    const p = poller();
    const first = await p.runCycle();
    expect(idsFor("a")).toEqual(["g5"]);
    expect(first.outcomes.find((o) => o.feed === "a")).toMatchObject({ status: "baseline", fresh: 1 });
    await p.runCycle();
    expect(idsFor("a")).toEqual(["g5"]);
    // 304 on the second read
    expect(server.requests.filter((r) => r.path === "/a").at(-1)?.headers["if-none-match"]).toBeDefined();
  });

  it("announces new items oldest first, and never twice", async () => {
    items.a = [spec(1)];
    const p = poller();
    await p.runCycle();
    items.a = [spec(3), spec(2), spec(1)];
    await p.runCycle();
    await p.runCycle();
    expect(idsFor("a")).toEqual(["g1", "g2", "g3"]);
    expect(received.filter((r) => r.feed === "a").map((r) => r.ids)).toEqual([["g1"], ["g2", "g3"]]);
  });

  it("an item that leaves and comes back, or whose title is edited, is not new again", async () => {
    items.a = [spec(2), spec(1)];
    const p = poller();
    await p.runCycle();
    items.a = [spec(2)];
    await p.runCycle();
    items.a = [spec(2, { title: "Tin số 2 (cập nhật)" }), spec(1)];
    await p.runCycle();
    expect(idsFor("a")).toEqual(["g2"]);
  });

  it("a story whose guid and link change on every read is posted once (same title, date and text)", async () => {
    items.a = [spec(1)];
    const p = poller();
    await p.runCycle();
    for (let read = 0; read < 10; read++) {
      items.a = [spec(2, { guid: `rot-${read}`, link: `https://tin.example/rot-${read}.html` }), spec(1)];
      await p.runCycle();
    }
    expect(idsFor("a")).toEqual(["g1", "rot-0"]);
  });

  it("two stories with one title are two stories when their date has no time or their body is short", async () => {
    items.a = [spec(1)];
    const p = poller();
    await p.runCycle();
    items.a = [
      spec(3, { title: "Lịch công tác tuần", date: undefined, description: "<a href='/tb6.pdf'>Tải về</a>" }),
      spec(2, { title: "Lịch công tác tuần", date: undefined, description: "<a href='/tb5.pdf'>Tải về</a>" }),
      spec(5, { title: "Bản tin thời sự", date: "2024-06-18" }),
      spec(4, { title: "Bản tin thời sự", date: "2024-06-18" }),
      spec(1),
    ];
    await p.runCycle();
    expect([...idsFor("a")].sort()).toEqual(["g1", "g2", "g3", "g4", "g5"]);
  });

  it("placeholder entries are not posted and are counted for /feeds", async () => {
    items.a = [spec(1)];
    const p = poller();
    await p.runCycle();
    items.a = [
      spec(3, { title: "No Description", link: undefined }),
      spec(2, { title: "Untitled" }),
      spec(1),
    ];
    await p.runCycle();
    expect(idsFor("a")).toEqual(["g1"]);
    expect((await repos.feedStates.get("a"))?.itemsRejected).toBe(2);
  });

  it("two items whose links differ only by tracking parameters are one item", async () => {
    items.a = [spec(1, { guid: undefined, link: "https://tin.example/x.html" })];
    const p = poller();
    await p.runCycle();
    items.a = [
      spec(1, { guid: undefined, link: "https://tin.example/x.html?utm_source=fb&utm_medium=social#top" }),
      spec(1, { guid: "other-guid", link: "https://tin.example/x.html?fbclid=1" }),
    ];
    await p.runCycle();
    expect(idsFor("a")).toEqual(["https://tin.example/x.html"]);
  });

  it("a broken feed does not stop the others, and backs off 1, 2, 4 cycles", async () => {
    items.a = [spec(1)];
    items.b = [spec(1)];
    failing.b = 500;
    const p = poller();
    const tried: number[] = [];
    for (let cycle = 1; cycle <= 10; cycle++) {
      const before = hits("/b");
      const res = await p.runCycle();
      expect(res.outcomes.find((o) => o.feed === "a")?.status).not.toBe("error");
      if (hits("/b") > before) tried.push(cycle);
    }
    // fail at 1 → skip 1 → try 3 → skip 2 → try 6 → skip 4 → try 11
    expect(tried).toEqual([1, 3, 6]);
    const state = await repos.feedStates.get("b");
    expect(state).toMatchObject({ failures: 3, lastError: "HTTP 500" });
    expect(state?.nextAttemptAt).toBeDefined();
    // Recovery resets the backoff.
    delete failing.b;
    await p.runCycle();
    const recovered = await p.pollFeed({ name: "b", url: server.url("/b"), kind: "http" }, 99, true);
    expect(recovered.status).not.toBe("error");
    expect((await repos.feedStates.get("b"))?.failures).toBe(0);
  });

  it("honours Retry-After beyond the cycle backoff", async () => {
    items.b = [spec(1)];
    failing.b = 429;
    const p = poller();
    await p.runCycle();
    delete failing.b;
    for (let i = 0; i < 5; i++) await p.runCycle();
    expect(hits("/b")).toBe(1);
    expect((await repos.feedStates.get("b"))?.notBefore).toBeGreaterThan(Date.now() + 3_000_000);
  });

  it("keeps items unseen when the receiver fails, and offers them again", async () => {
    items.a = [spec(1)];
    let fail = true;
    const p = poller({
      onNewItems: async (list) => {
        if (fail) throw new Error("delivery store down");
        for (const feed of new Set(list.map((s) => s.item.feed)))
          received.push({ feed, ids: list.filter((s) => s.item.feed === feed).map((s) => s.item.id) });
      },
    });
    const res = await p.runCycle();
    expect(res.outcomes.find((o) => o.feed === "a")).toMatchObject({
      status: "error",
      error: "delivery store down",
    });
    fail = false;
    await p.pollFeed({ name: "a", url: server.url("/a"), kind: "http" }, 100, true);
    expect(idsFor("a")).toEqual(["g1"]);
  });

  it("parses only entries that changed since the last settled read", async () => {
    // Seen ids that expire at once: only the entry digests keep old entries from coming back.
    const forgetful = createRepos(store, { operatorFeeds: [], seenTtlMs: 1 });
    const p = poller({ seen: forgetful.seen });
    items.a = [spec(2), spec(1)];
    await p.runCycle();
    expect(idsFor("a")).toEqual(["g2"]);
    expect((await repos.feedStates.get("a"))?.entryDigests).toHaveLength(2);
    items.a = [spec(3), spec(2), spec(1)];
    const res = await p.runCycle();
    expect(res.outcomes.find((o) => o.feed === "a")).toMatchObject({ status: "new", items: 3, fresh: 1 });
    // g1 and g2 were not parsed again (a whole parse would offer them again: their seen ids expired).
    expect(idsFor("a")).toEqual(["g2", "g3"]);
    // An entry whose text changed is read again (and, seen or not, judged by its ids).
    items.a = [spec(3), spec(2, { title: "Tin số 2 (cập nhật)" }), spec(1)];
    await p.runCycle();
    expect(idsFor("a")).toEqual(["g2", "g3", "g2"]);
  });

  it("entries the parser did not see or could not use are not remembered as read", async () => {
    let body = "";
    server.route("/c", (_req, res) => void res.writeHead(200).end(body));
    const feed = { name: "c", url: server.url("/c"), kind: "http" as const };
    const p = poller();
    const item = (n: number, withTitle = true) =>
      `<item>${withTitle ? `<title>Tin ${n}</title>` : `<description>Nội dung ${n}</description>`}<link>/p/${n}</link><guid>g${n}</guid></item>`;
    const doc = (items: string, opts: { stray?: boolean; link?: boolean } = {}) =>
      `<rss version="2.0"><channel><title>C</title>${opts.link === false ? "" : "<link>https://c.example/</link>"}${
        opts.stray ? "</channel>" : ""
      }${items}${opts.stray ? "" : "</channel>"}</rss>`;
    body = doc(item(1));
    await p.pollFeed(feed, 1);
    // A template glitch: items after </channel>, which rss-parser does not read.
    body = doc(item(2) + item(1), { stray: true });
    await p.pollFeed(feed, 2);
    body = doc(item(2) + item(1));
    await p.pollFeed(feed, 3);
    expect(idsFor("c")).toEqual(["g1", "g2"]);
    // An entry that is no item (no title, and no channel link to resolve its own against)
    // becomes one when the channel gains a link: it is read again then.
    body = doc(item(3, false) + item(2) + item(1), { link: false });
    await p.pollFeed(feed, 4);
    expect(idsFor("c")).toEqual(["g1", "g2"]);
    body = doc(item(3, false) + item(2) + item(1));
    await p.pollFeed(feed, 5);
    expect(idsFor("c")).toEqual(["g1", "g2", "g3"]);
  });

  it("a read whose items could not be settled does not save its digests: they are offered again", async () => {
    items.a = [spec(1)];
    let fail = false;
    const p = poller({
      onNewItems: async (list) => {
        if (fail) throw new Error("delivery store down");
        for (const feed of new Set(list.map((s) => s.item.feed)))
          received.push({ feed, ids: list.filter((s) => s.item.feed === feed).map((s) => s.item.id) });
      },
    });
    await p.runCycle();
    const before = (await repos.feedStates.get("a"))?.entryDigests;
    expect(before).toHaveLength(1);
    items.a = [spec(2), spec(1)];
    fail = true;
    expect((await p.runCycle()).outcomes.find((o) => o.feed === "a")).toMatchObject({ status: "error" });
    expect((await repos.feedStates.get("a"))?.entryDigests).toEqual(before);
    fail = false;
    // Forced: the failure put the feed in backoff.
    await p.pollFeed({ name: "a", url: server.url("/a"), kind: "http" }, 100, true);
    expect(idsFor("a")).toEqual(["g1", "g2"]);
    expect((await repos.feedStates.get("a"))?.entryDigests).toHaveLength(2);
  });

  it("a read with 10,000 new items announces at most maxAnnounce; the rest are stored and counted", async () => {
    items.a = [spec(1)];
    const p = poller({
      maxAnnounce: 20,
      fetcher: testFetcher({ timeoutMs: 10_000, maxBytes: 8 << 20 }),
    });
    await p.runCycle();
    items.a = Array.from({ length: 10_000 }, (_, i) =>
      spec(i + 2, { date: new Date(Date.UTC(2026, 10, 1) + i * 60_000).toUTCString() }),
    );
    const res = await p.pollFeed({ name: "a", url: server.url("/a"), kind: "http" }, 2, true);
    expect(res, JSON.stringify(res)).toMatchObject({ status: "new", fresh: 20 });
    const announced = idsFor("a").slice(1);
    expect(announced).toHaveLength(20);
    // The newest twenty, oldest first.
    expect(announced[0]).toBe("g9982");
    expect(announced[19]).toBe("g10001");
    const st = await repos.feedStates.get("a");
    expect(st?.itemsHeld).toBe(9980);
    expect(st?.itemsKnown).toBe(10_001);
    // All of them are seen now: nothing is announced on the next read.
    received = [];
    await p.pollFeed({ name: "a", url: server.url("/a"), kind: "http" }, 3, true);
    expect(idsFor("a")).toEqual([]);
  });

  it("a failing seen-id read is a feed error, never 'everything is new'", async () => {
    items.a = [spec(1)];
    const p = poller({
      seen: {
        filterUnseen: async () => {
          throw new Error("database is locked");
        },
        markSeen: async () => undefined,
        markSeenMany: async () => undefined,
      },
    });
    const res = await p.pollFeed({ name: "a", url: server.url("/a"), kind: "http" }, 1);
    expect(res).toMatchObject({ status: "error", error: "database is locked" });
    expect(received).toEqual([]);
  });

  it("reports a malformed feed clearly and keeps polling", async () => {
    server.route(
      "/bad",
      (_req, res) => void res.writeHead(200).end("<html><body>502 Bad Gateway</body></html>"),
    );
    const p = poller();
    const res = await p.pollFeed({ name: "bad", url: server.url("/bad"), kind: "http" }, 1);
    expect(res).toMatchObject({ status: "error", error: "an HTML page, not a feed" });
  });
});

describe("app scheduling", () => {
  it("never runs two poll cycles at once", async () => {
    const { createApp } = await import("../src/app.js");
    const { loadConfig } = await import("../src/config.js");
    server.route("/slow", async (_req, res) => {
      await new Promise((r) => setTimeout(r, 300));
      res.writeHead(200).end(rss([spec(1)]));
    });
    const config = loadConfig(
      { FEEDS: `slow=${server.url("/slow")}`, STORE_URL: "sqlite://:memory:", ARTICLE_PAGES: "never" },
      "/x.xml",
    );
    const app = createApp({ config, log: testLog, store, json: true });
    const [a, b] = await Promise.all([app.runOnce(), app.runOnce()]);
    expect(a.cycle).toBe(b.cycle);
    expect(server.requests.filter((r) => r.path === "/slow")).toHaveLength(1);
    await app.stop();
  });
});
