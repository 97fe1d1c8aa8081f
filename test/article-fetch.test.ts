import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FeedItem, FeedSource } from "../src/domain/types.js";
import { createArticleReader, TEASER_CHARS } from "../src/feeds/article.js";
import { createFetcher } from "../src/feeds/fetch.js";
import { type FeedServer, startFeedServer } from "./fakes/feed-server.js";
import { testLog, waitUntil } from "./helpers.js";

const PAGE = readFileSync(join(import.meta.dirname, "fixtures", "articles", "12-gia-xang-giam.html"));

describe("article pages for teaser items", () => {
  let server: FeedServer;
  let active = 0;
  let maxActive = 0;
  let hold: Promise<void> = Promise.resolve();
  beforeAll(async () => {
    server = await startFeedServer();
    server.route("/page", async (_req, res) => {
      active++;
      maxActive = Math.max(maxActive, active);
      await hold;
      active--;
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGE);
    });
    server.route("/slow", (_req, res) => {
      // Never answers within the test's timeout.
      setTimeout(() => res.writeHead(200, { "content-type": "text/html" }).end(PAGE), 5_000).unref();
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    maxActive = 0;
    hold = Promise.resolve();
  });

  const fetcher = () =>
    createFetcher({
      timeoutMs: 400,
      connectTimeoutMs: 400,
      maxBytes: 5_000_000,
      maxRedirects: 3,
      allowPrivate: false,
    });
  const reader = (timeoutMs = 2_000) =>
    createArticleReader({ fetcher: fetcher(), timeoutMs, perHost: 2, log: testLog });
  const feed = (article?: FeedSource["article"]): FeedSource => ({
    name: "vnx",
    url: server.url("/rss"),
    kind: "http",
    ...(article ? { article } : {}),
  });
  const item = (path: string, text = "Giá xăng giảm.", n = 1): FeedItem => ({
    id: `${path}-${n}`,
    feed: "vnx",
    title: "Giá xăng giảm lần thứ ba liên tiếp",
    link: server.url(`${path}?n=${n}`),
    text,
    image: "https://i.example/thumb_180x108.jpg",
    categories: [],
  });

  it("reads a teaser's page once: the whole article without furniture, og:image over the thumbnail", async () => {
    const [out] = await reader().enrich([item("/page")], feed(), true);
    expect(server.requests.filter((r) => r.path.startsWith("/page"))).toHaveLength(1);
    expect(out!.text.startsWith("Giá xăng RON 95 giảm 520 đồng, xuống 23.480 đồng/lít")).toBe(true);
    expect(out!.text).toContain("còn 22.390 đồng/lít");
    expect(out!.text).not.toContain("Tin liên quan");
    expect(out!.text).not.toContain("Quỳnh Trần");
    expect(out!.image).toMatch(/^https:\/\//);
    expect(out!.image).not.toContain("thumb_180x108");
  });

  it("follows the feed's mode: a full text is not fetched in auto, always is, never is not", async () => {
    const full = "Nội dung đầy đủ. ".repeat(Math.ceil(TEASER_CHARS / 10));
    const [kept] = await reader().enrich([item("/page", full)], feed(), true);
    expect(kept!.text).toBe(full);
    const [fetched] = await reader().enrich([item("/page", full)], feed("always"), true);
    expect(fetched!.text).toContain("23.480 đồng/lít");
    const [never] = await reader().enrich([item("/page")], feed("never"), true);
    expect(never!.text).toBe("Giá xăng giảm.");
    expect(server.requests.filter((r) => r.path.startsWith("/page"))).toHaveLength(1);
  });

  it("a slow page falls back to the feed's text within ARTICLE_TIMEOUT_MS and holds no other item", async () => {
    const started = Date.now();
    const out = await reader(300).enrich([item("/slow"), item("/page", "Tin thứ hai.", 2)], feed(), true);
    expect(out[0]!.text).toBe("Giá xăng giảm.");
    expect(out[1]!.text).toContain("23.480 đồng/lít");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("a page past its deadline frees its turn at the host for the next feed's items", async () => {
    const r = reader(300);
    const slow = await r.enrich([item("/slow", "A.", 1), item("/slow", "A.", 2)], feed(), true);
    expect(slow.map((x) => x.text)).toEqual(["A.", "A."]);
    const [next] = await r.enrich([item("/page", "B.", 3)], feed(), true);
    expect(next!.text).toContain("23.480 đồng/lít");
  });

  it("reads at most two pages of one host at once", async () => {
    let open!: () => void;
    hold = new Promise((resolve) => {
      open = resolve;
    });
    const pending = reader(5_000).enrich(
      [1, 2, 3, 4, 5].map((n) => item("/page", "Tin.", n)),
      feed(),
      true,
    );
    await waitUntil("two pages being read", () => active === 2);
    // The other three wait for a turn: still two at once a moment later.
    await new Promise((r) => setImmediate(r));
    expect(active).toBe(2);
    open();
    const out = await pending;
    expect(out.every((x) => x.text.includes("23.480 đồng/lít"))).toBe(true);
    expect(maxActive).toBe(2);
  });

  it("a page on another host than the trusted feed's goes through the SSRF guard", async () => {
    const other: FeedItem = { ...item("/page"), link: `http://localhost:${server.port}/page` };
    const [out] = await reader().enrich([other], feed(), true);
    expect(out!.text).toBe("Giá xăng giảm.");
    expect(server.requests).toHaveLength(0);
  });
});
