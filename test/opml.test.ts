import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FeedNameTaken } from "../src/domain/feeds.js";
import type { FeedSource } from "../src/domain/types.js";
import { OpmlError, parseOpml, serializeOpml } from "../src/feeds/opml.js";
import { exportOpml } from "../src/feeds/opml-export.js";
import { applyImport, createProbe, planImport } from "../src/feeds/opml-import.js";
import { OPML_CLAIM_STALE_MS, OPML_IMPORT_TTL_MS } from "../src/store/opml-imports.js";
import { createRepos, type Repos } from "../src/store/repos.js";
import { openStore, type Store } from "../src/store/store.js";
import { type FeedServer, startFeedServer } from "./fakes/feed-server.js";
import { createPgDatabase, serviceUrl, tempDir, testFetcher, testLog } from "./helpers.js";
import { opmlFixture, serveNewsroom } from "./opml-fixtures.js";

const fixture = opmlFixture;
const dir = tempDir();
let server: FeedServer;
/** newsroom.opml with its feeds on this test's feed server. */
let newsroom: string;

beforeAll(async () => {
  server = await startFeedServer();
  newsroom = serveNewsroom(server, { withHatinh: true });
});
afterAll(async () => {
  await server.close();
  dir.cleanup();
});

async function openRepos(
  name: string,
  operatorFeeds: FeedSource[] = [],
): Promise<{ store: Store; repos: Repos }> {
  const store = await openStore(`sqlite://${join(dir.path, name)}`, { log: testLog });
  return { store, repos: createRepos(store, { operatorFeeds, seenTtlMs: 86_400_000 }) };
}

describe("parseOpml on real-world files", () => {
  it("finds the feeds of nested categories, in document order, with Vietnamese titles and &amp; decoded", () => {
    const doc = parseOpml(fixture("feedly-nested.opml"));
    expect(doc.title).toBe("Feeds của Hương trên Feedly");
    expect(doc.entries.map((e) => [e.title, e.xmlUrl])).toEqual([
      ["Báo Hà Tĩnh – Thời sự", "https://baohatinh.vn/rss/thoi-su.rss"],
      ["VnExpress - Kinh doanh", "https://vnexpress.net/rss/kinh-doanh.rss"],
      ["Tuổi Trẻ Online – Kinh doanh", "https://tuoitre.vn/rss/kinh-doanh.rss?src=feedly&utm_medium=rss"],
      ["BBC News Tiếng Việt", "https://feeds.bbci.co.uk/vietnamese/rss.xml"],
      ["Hacker News", "https://news.ycombinator.com/rss"],
    ]);
    expect(doc.entries[0]?.htmlUrl).toBe("https://baohatinh.vn/");
  });

  it("reads a BOM, any attribute case, missing titles, HTML entities, bare & and childless outlines", () => {
    const doc = parseOpml(fixture("messy.opml"));
    expect(doc.title).toBe("Danh sách nguồn");
    const byUrl = (url: string) => doc.entries.find((e) => e.xmlUrl === url);
    expect(byUrl("http://tin.example/rss.php?cat=1&page=2")?.title).toBe("Nghệ An & Hà Tĩnh");
    expect(byUrl("http://no-title.example/feed")?.title).toBeUndefined();
    expect(byUrl("http://empty-title.example/atom.xml")?.title).toBeUndefined();
    // A bare & stays as written (not read as the entity &copy;), and &eacute; in a title is é.
    expect(byUrl("https://cafe.example/feed?a=1&b=2")?.title).toBe("Café sáng");
    expect(byUrl("http://old.example/rss.xml")?.title).toBe("Old style");
    expect(byUrl("http://deep.example/rss")?.title).toBe("Sâu nhất");
    expect(doc.entries.find((e) => e.title === "Only a web page")).toMatchObject({
      xmlUrl: undefined,
      htmlUrl: "https://page.example/",
    });
    // An empty category is kept as an outline with no address (to be told), a full one is not.
    expect(doc.entries.some((e) => e.title === "Category with nothing in it")).toBe(true);
    expect(doc.entries.some((e) => e.title === "Lồng nhau" || e.title === "Sâu hơn")).toBe(false);
    expect(doc.entries).toHaveLength(11);
  });

  it("refuses a file cut short, a file that is no OPML, and more feeds than the limit", () => {
    const cut = () => parseOpml(fixture("truncated.opml"));
    expect(cut).toThrow(OpmlError);
    expect(cut).toThrow(/line 6 is never closed/);
    expect(() => parseOpml(fixture("not-opml.xml"))).toThrow(/not an OPML document/);
    expect(() => parseOpml(Buffer.alloc(0))).toThrow(/not an OPML document/);
    const many = serializeOpml(
      "x",
      Array.from({ length: 11 }, (_, i) => ({ title: `t${i}`, xmlUrl: `https://x.example/${i}` })),
    );
    expect(() => parseOpml(many, { maxEntries: 10 })).toThrow(/11 feeds in one file, at most 10/);
  });

  it("writes what it reads: escaping, Vietnamese, bantin's own attributes", () => {
    const outlines = [
      {
        title: 'Báo "Hà Tĩnh" <Thời sự> & Kinh tế',
        xmlUrl: "https://x.example/rss?a=1&b=2",
        name: "hatinh",
        label: "Hà Tĩnh",
        article: "never",
      },
      { title: "Không địa chỉ", htmlUrl: "https://y.example/" },
    ];
    const xml = serializeOpml("bantin", outlines);
    expect(xml).toContain('xmlUrl="https://x.example/rss?a=1&amp;b=2"');
    expect(parseOpml(xml).entries.map(({ line: _, ...e }) => e)).toEqual([
      { ...outlines[0], htmlUrl: undefined },
      { ...outlines[1], xmlUrl: undefined, name: undefined, label: undefined, article: undefined },
    ]);
  });
});

describe("import and export on the real store", () => {
  const fetcher = testFetcher({ timeoutMs: 3000, maxRedirects: 3, allowPrivate: true });
  const guarded = testFetcher({ timeoutMs: 3000, maxRedirects: 3 });
  afterAll(() => {
    fetcher.close();
    guarded.close();
  });
  const operator = (): FeedSource[] => [{ name: "hatinh", url: server.url("/rss"), kind: "http" }];

  it("sorts a file into new, present, refused and unreadable, and adds the new ones once", async () => {
    const { store, repos } = await openRepos("plan.sqlite", operator());
    const entries = parseOpml(newsroom).entries;
    const plan = await planImport(entries, {
      existing: await repos.feeds.all(),
      probe: createProbe(fetcher, { offsetMin: 420 }),
    });
    expect(plan.fresh.map((f) => [f.name, f.title])).toEqual([
      ["127-thoi-su", "Thời sự Hà Tĩnh"],
      ["127-kinh-te", "Kinh tế"], // no title in the file: the feed's own
    ]);
    expect(plan.fresh[1]?.url).toBe(server.url("/kinh-te?cat=1&page=2"));
    expect(plan.present.map((p) => [p.existing, p.by])).toEqual([
      ["hatinh", "url"],
      ["Thời sự Hà Tĩnh", "file"],
    ]);
    expect(plan.unreadable.map((u) => [u.title, u.reason, u.httpStatus])).toEqual([
      ["Chỉ có trang chủ", "no-url", undefined],
      ["Trang web, không phải RSS", "not-feed", undefined],
      ["Đã gỡ khỏi trang", "http", 404],
    ]);
    expect(plan.refused).toEqual([]);
    const result = await applyImport(repos.feeds, plan.fresh, { by: 99 });
    expect(result.added.map((f) => f.name)).toEqual(["127-thoi-su", "127-kinh-te"]);
    const again = await applyImport(repos.feeds, plan.fresh);
    expect(again.added).toEqual([]);
    expect(again.present.map((p) => p.existing)).toEqual(["127-thoi-su", "127-kinh-te"]);
    expect((await repos.feeds.all()).map((f) => f.name)).toEqual(["hatinh", "127-thoi-su", "127-kinh-te"]);
    await store.close();
  });

  it("refuses internal addresses through the fetcher's SSRF guard, and sorts out bad addresses", async () => {
    const plan = await planImport(parseOpml(newsroom).entries, {
      existing: [],
      probe: createProbe(guarded, { offsetMin: 420 }),
      concurrency: 2,
    });
    // Every loopback feed, the 404 and the HTML page too: refused before any connection.
    expect(plan.refused.map((r) => r.url)).toEqual(
      ["/rss", "/thoi-su.rss", "/kinh-te?cat=1&page=2", "/page.html", "/gone.rss"].map((p) => server.url(p)),
    );
    expect(plan.fresh).toEqual([]);
    // Addresses that are no feed address are told apart before anything is read (no DNS here:
    // the probe stands in for a resolver that knows no *.example host).
    const probed: string[] = [];
    const messy = await planImport(parseOpml(fixture("messy.opml")).entries, {
      existing: [],
      probe: async (url) => {
        probed.push(url);
        return { ok: false, reason: "dns", message: "stub" };
      },
    });
    const reasons = Object.fromEntries(messy.unreadable.map((u) => [u.title ?? u.url, u.reason]));
    expect(reasons).toMatchObject({
      Script: "not-http",
      Relative: "bad-url",
      "Only a web page": "no-url",
      "Category with nothing in it": "no-url",
    });
    // feed:// is the http address; a bare & and &amp; both end as one &.
    expect(probed).toContain("http://podcast.example/rss");
    expect(probed).toContain("http://tin.example/rss.php?cat=1&page=2");
    expect(probed).toHaveLength(7);
  });

  it("moves a name taken meanwhile (the database's key on folded names) to the next free one", async () => {
    const { store, repos } = await openRepos("race.sqlite");
    await repos.feeds.add({ name: "hatinh", url: "https://a.example/rss", kind: "http" });
    // A view from before the other admin's add: only the database can refuse "ha-tinh".
    const stale = { ...repos.feeds, all: async () => [] };
    await expect(
      repos.feeds.add({ name: "ha-tinh", url: "https://b.example/rss", kind: "http" }),
    ).rejects.toThrow(FeedNameTaken);
    const result = await applyImport(stale, [{ name: "ha-tinh", url: "https://b.example/rss" }]);
    expect(result.added.map((f) => f.name)).toEqual(["ha-tinh-2"]);
    expect((await repos.feeds.all()).map((f) => [f.name, f.url])).toEqual([
      ["hatinh", "https://a.example/rss"],
      ["ha-tinh-2", "https://b.example/rss"],
    ]);
    await store.close();
  });

  it("round trip: export → import into another store → the same list, names and options kept", async () => {
    const a = await openRepos("a.sqlite", operator());
    await a.repos.feeds.add({
      name: "thoisu",
      url: server.url("/thoi-su.rss"),
      kind: "http",
      label: "Thời sự",
      article: "never",
    });
    await a.repos.feeds.add({
      name: "kinhte",
      url: server.url("/kinh-te?cat=1&page=2"),
      kind: "http",
      everyMs: 15 * 60_000,
    });
    const out = await exportOpml(a.repos, { full: true });
    expect(out.xml).toContain('bantin:every="15m"');
    expect(out.feeds).toBe(3);
    const b = await openRepos("b.sqlite");
    const plan = await planImport(parseOpml(out.xml).entries, {
      existing: [],
      probe: createProbe(fetcher, { offsetMin: 420 }),
    });
    await applyImport(b.repos.feeds, plan.fresh);
    expect(await b.repos.feeds.all()).toEqual(await a.repos.feeds.all());
    // And back again: nothing new, everything present.
    const back = await planImport(parseOpml((await exportOpml(b.repos, { full: true })).xml).entries, {
      existing: await a.repos.feeds.all(),
      probe: async () => ({ ok: true }),
    });
    expect([back.fresh.length, back.present.length]).toEqual([0, 3]);
    // Without `full` only what /feeds shows everyone: no address, no options.
    const open = parseOpml((await exportOpml(a.repos, { full: false })).xml).entries;
    expect(open.map((e) => [e.name, e.xmlUrl, e.article])).toEqual([
      ["hatinh", undefined, undefined],
      ["thoisu", undefined, undefined],
      ["kinhte", undefined, undefined],
    ]);
    await a.store.close();
    await b.store.close();
  });
});

function importRepoContract(
  name: string,
  open: () => Promise<{ store: Store; cleanup?: () => Promise<void> }>,
) {
  describe(`pending imports: ${name}`, () => {
    it("a confirmation takes an import once, even when two arrive together", async () => {
      const { store, cleanup } = await open();
      const repos = createRepos(store, { operatorFeeds: [], seenTtlMs: 60_000 });
      const now = Date.now();
      await repos.opmlImports.create({ id: "imp-1", userId: 99, chatId: 99, feeds: "[1]", at: now });
      const taken = await Promise.all(Array.from({ length: 5 }, () => repos.opmlImports.claim("imp-1", now)));
      expect(taken.filter((t) => t === "[1]")).toHaveLength(1);
      expect(await repos.opmlImports.cancel("imp-1")).toBe(false);
      await repos.opmlImports.finish("imp-1");
      expect((await repos.opmlImports.get("imp-1"))?.state).toBe("done");
      expect(await repos.opmlImports.claim("imp-1", now + OPML_CLAIM_STALE_MS * 2)).toBeUndefined();
      // An "adding" claim whose instance died is taken again later; an expired import never.
      await repos.opmlImports.create({ id: "imp-2", userId: 99, chatId: 99, feeds: "[2]", at: now });
      expect(await repos.opmlImports.claim("imp-2", now)).toBe("[2]");
      expect(await repos.opmlImports.claim("imp-2", now + 1000)).toBeUndefined();
      expect(await repos.opmlImports.claim("imp-2", now + OPML_CLAIM_STALE_MS + 1)).toBe("[2]");
      await repos.opmlImports.create({
        id: "imp-3",
        userId: 99,
        chatId: 99,
        feeds: "[3]",
        at: now - OPML_IMPORT_TTL_MS,
      });
      expect(await repos.opmlImports.claim("imp-3", now)).toBeUndefined();
      expect(await repos.opmlImports.cancel("imp-3")).toBe(true);
      expect(await repos.opmlImports.purge(now)).toBe(1);
      await store.close();
      await cleanup?.();
    });
  });
}
importRepoContract("sqlite", async () => ({ store: (await openRepos("imports.sqlite")).store }));
const pgUrl = serviceUrl("DATABASE_URL");
if (pgUrl)
  importRepoContract("postgres", async () => {
    const pgdb = await createPgDatabase(pgUrl);
    return { store: await openStore(pgdb.url, { log: testLog }), cleanup: () => pgdb.drop() };
  });
