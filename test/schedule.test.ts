import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FeedSource } from "../src/domain/types.js";
import { linkHeaderHints, readFeedHead, responseHints } from "../src/feeds/hints.js";
import { notePublished, readInterval } from "../src/feeds/schedule.js";
import { createRepos, type Repos } from "../src/store/repos.js";
import { openStore, type Store } from "../src/store/store.js";
import { type FeedServer, rss, startFeedServer } from "./fakes/feed-server.js";
import { tempDir, testLog, testPoller } from "./helpers.js";

const MIN = 60_000;
const DAY = 86_400_000;
const limits = { minMs: MIN, maxMs: 30 * MIN };
const T0 = Date.parse("2026-12-01T08:00:00Z");

describe("readInterval (adaptive polling)", () => {
  const every = (n: number, spanMs: number) => Array.from({ length: n }, (_, i) => T0 - (i * spanMs) / n);

  it("follows the pace of the feed, between POLL_MIN and POLL_MAX", () => {
    // 100 items a day: one every 14.4 min, read at half of that (the last hour holds five of
    // them, a little busier: 6 min).
    expect(readInterval({ now: T0, recentPublished: every(100, DAY) }, limits)).toBe(6 * MIN);
    expect(readInterval({ now: T0, recentPublished: every(100, 7 * DAY) }, limits)).toBe(30 * MIN);
    // 200 a day for a week: 3.6 min by the day, a little less by the hour (nine in it).
    const steady = readInterval({ now: T0, recentPublished: every(1400, 7 * DAY) }, limits);
    expect(steady).toBeGreaterThanOrEqual(200_000);
    expect(steady).toBeLessThanOrEqual(216_000);
    // 1,000 a day would mean every 43 s: POLL_MIN.
    expect(readInterval({ now: T0, recentPublished: every(1000, DAY) }, limits)).toBe(MIN);
    // Three a week, or nothing at all: POLL_MAX.
    expect(readInterval({ now: T0, recentPublished: every(3, 7 * DAY) }, limits)).toBe(30 * MIN);
    expect(readInterval({ now: T0, recentPublished: [] }, limits)).toBe(30 * MIN);
    // A quiet week but a busy last day, or hour (a live blog): the busiest pace wins.
    expect(readInterval({ now: T0, recentPublished: every(48, DAY / 2) }, limits)).toBe(7.5 * MIN);
    expect(readInterval({ now: T0, recentPublished: every(6, DAY / 24) }, limits)).toBe(5 * MIN);
    // Items older than a week do not count.
    expect(readInterval({ now: T0, recentPublished: every(100, DAY).map((t) => t - 8 * DAY) }, limits)).toBe(
      30 * MIN,
    );
  });

  it("waits at least what the server asks (ttl, max-age, Expires, Retry-After), up to POLL_MAX", () => {
    const busy = every(1000, DAY);
    expect(readInterval({ now: T0, recentPublished: busy, hints: { ttlMs: 10 * MIN } }, limits)).toBe(
      10 * MIN,
    );
    expect(readInterval({ now: T0, recentPublished: busy, hints: { maxAgeMs: 5 * MIN } }, limits)).toBe(
      5 * MIN,
    );
    expect(readInterval({ now: T0, recentPublished: busy, hints: { expiresInMs: 3 * MIN } }, limits)).toBe(
      3 * MIN,
    );
    expect(readInterval({ now: T0, recentPublished: busy, hints: { retryAfterMs: 4 * MIN } }, limits)).toBe(
      4 * MIN,
    );
    // A ttl of a day is capped by POLL_MAX: the operator bounds staleness.
    expect(readInterval({ now: T0, recentPublished: busy, hints: { ttlMs: DAY } }, limits)).toBe(30 * MIN);
  });

  it("uses a fixed every= as it is; a pushed feed is read at POLL_MAX", () => {
    const busy = every(1000, DAY);
    expect(
      readInterval({ now: T0, recentPublished: busy, fixedMs: 2 * MIN, hints: { ttlMs: DAY } }, limits),
    ).toBe(2 * MIN);
    expect(readInterval({ now: T0, recentPublished: busy, pushed: true }, limits)).toBe(30 * MIN);
    expect(readInterval({ now: T0, recentPublished: busy, pushed: true, fixedMs: 2 * MIN }, limits)).toBe(
      30 * MIN,
    );
  });

  it("keeps a week of publication times: undated and future ones count as now", () => {
    const kept = notePublished([T0 - 8 * DAY, T0 - DAY], [0, T0 + DAY, T0 - 2 * DAY], T0);
    expect(kept).toEqual([T0 - 2 * DAY, T0 - DAY, T0, T0]);
  });
});

describe("what a feed asks for", () => {
  it("reads ttl and WebSub links from the feed's head", () => {
    const rss2 = `<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
      <channel><title>Tin</title><ttl>45</ttl>
      <atom:link rel="hub" href="https://hub.example/"/><atom:link rel="self" href="https://tin.example/rss?a=1&amp;b=2"/>
      <item><title>x</title><ttl>1</ttl><atom:link rel="hub" href="https://not-this.example/"/></item></channel></rss>`;
    expect(readFeedHead(rss2)).toEqual({
      ttlMs: 45 * MIN,
      hubs: ["https://hub.example/"],
      self: "https://tin.example/rss?a=1&b=2",
    });
    const atom = `<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
      <link rel="hub" href="https://pubsubhubbub.appspot.com/"/><link rel="self" href="https://tin.example/atom"/>
      <entry><title>x</title></entry></feed>`;
    expect(readFeedHead(atom)).toEqual({
      hubs: ["https://pubsubhubbub.appspot.com/"],
      self: "https://tin.example/atom",
    });
    const rdf = `<rdf:RDF xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel>
      <sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency></channel><item/></rdf:RDF>`;
    // sy:updatePeriod is WordPress boilerplate ("hourly" whatever the pace): not a hint.
    expect(readFeedHead(rdf).ttlMs).toBeUndefined();
    const json = JSON.stringify({
      version: "https://jsonfeed.org/version/1.1",
      feed_url: "https://tin.example/feed.json",
      hubs: [{ type: "WebSub", url: "https://hub.example/" }],
      items: [],
    });
    expect(readFeedHead(json)).toEqual({
      hubs: ["https://hub.example/"],
      self: "https://tin.example/feed.json",
    });
    expect(readFeedHead("<rss><channel><ttl>soon</ttl></channel></rss>")).toEqual({ hubs: [] });
  });

  it("reads Cache-Control, Expires (from the response's Date) and Link", () => {
    expect(responseHints({ "cache-control": "public, max-age=600" })).toEqual({ maxAgeMs: 600_000 });
    expect(responseHints({ "cache-control": "no-cache, max-age=600" })).toEqual({});
    expect(
      responseHints({ expires: "Tue, 01 Dec 2026 08:20:00 GMT", date: "Tue, 01 Dec 2026 08:00:00 GMT" }),
    ).toEqual({ expiresInMs: 20 * MIN });
    expect(responseHints({ expires: "0" })).toEqual({});
    const link = '<https://hub.example/>; rel="hub", <https://tin.example/rss>; rel="self"';
    expect(linkHeaderHints(responseHints({ link }).link)).toEqual({
      hubs: ["https://hub.example/"],
      self: "https://tin.example/rss",
    });
  });
});

const dir = tempDir();
afterAll(() => dir.cleanup());

describe("the poller on a schedule", () => {
  let server: FeedServer;
  let store: Store;
  let repos: Repos;
  let n = 0;
  let clock = T0;
  beforeEach(async () => {
    server = await startFeedServer();
    store = await openStore(`sqlite://${join(dir.path, `s${n++}.sqlite`)}`, { log: testLog });
    repos = createRepos(store, { operatorFeeds: [], seenTtlMs: DAY });
    clock = T0;
  });
  afterEach(async () => {
    await server.close();
    await store.close();
  });

  function poller(feeds: FeedSource[], pushed = new Set<string>()) {
    return testPoller(repos, feeds, {
      cycleMs: MIN,
      schedule: { ...limits, slackMs: 30_000 },
      pushedFeeds: async () => pushed,
      now: () => clock,
    });
  }
  const hits = (path: string) => server.requests.filter((r) => r.path === path).length;
  const quiet = rss([
    { title: "Tin cũ", link: "https://tin.example/1", guid: "1", date: "Mon, 02 Nov 2026 08:00:00 GMT" },
  ]);
  // Sixty items in the hour before T0: by its pace alone, read every minute.
  const busy = rss(
    Array.from({ length: 60 }, (_, i) => ({
      title: `Tin ${i}`,
      link: `https://tin.example/${i}`,
      guid: String(i),
      date: new Date(T0 - i * MIN).toUTCString(),
    })),
  );

  it("reads each feed only when it is due: ttl, max-age, every= and a pushed feed", async () => {
    server.route("/ttl", (_req, res) => void res.end(busy.replace("<channel>", "<channel><ttl>10</ttl>")));
    server.route(
      "/maxage",
      (_req, res) => void res.writeHead(200, { "cache-control": "max-age=240" }).end(busy),
    );
    server.route("/fixed", (_req, res) => void res.end(quiet));
    server.route("/quiet", (_req, res) => void res.end(quiet));
    server.route("/pushed", (_req, res) => void res.end(busy));
    const feeds: FeedSource[] = ["ttl", "maxage", "quiet", "pushed"].map((name) => ({
      name,
      url: server.url(`/${name}`),
      kind: "http",
    }));
    feeds.push({ name: "fixed", url: server.url("/fixed"), kind: "http", everyMs: 2 * MIN });
    const p = poller(feeds, new Set(["pushed"]));
    // A tick a minute for 31 minutes.
    for (let minute = 0; minute <= 30; minute++) {
      clock = T0 + minute * MIN;
      await p.runCycle();
    }
    // quiet: one item a month ago, so POLL_MAX (30 min): at 0 and 30; pushed (busy): the same.
    expect(hits("/quiet")).toBe(2);
    expect(hits("/pushed")).toBe(2);
    // ttl 10 min: 0, 10, 20, 30; max-age 4 min: 0, 4, …, 28; every=2m: 0, 2, …, 30.
    expect(hits("/ttl")).toBe(4);
    expect(hits("/maxage")).toBe(8);
    expect(hits("/fixed")).toBe(16);
    const [st] = await repos.feedStates.getMany(["ttl"]);
    expect(st?.readEveryMs).toBe(10 * MIN);
    expect(st?.nextReadAt).toBe(T0 + 40 * MIN);
    // A forced read (/addfeed, preview) does not wait.
    await p.pollFeed(feeds[0] as FeedSource, 99, true);
    expect(hits("/ttl")).toBe(5);
  });

  it("reads a feed more often once it publishes often, and a failing one on backoff", async () => {
    let items = [
      { title: "Tin 0", link: "https://tin.example/0", guid: "0", date: new Date(T0).toUTCString() },
    ];
    let down = false;
    server.route("/busy", (_req, res) => {
      if (down) return void res.writeHead(503).end("down");
      res.end(rss(items));
    });
    const feed: FeedSource = { name: "busy", url: server.url("/busy"), kind: "http" };
    const p = poller([feed]);
    await p.runCycle();
    const first = (await repos.feedStates.get("busy"))?.readEveryMs ?? 0;
    // One item in the last day: 12 h apart, capped at POLL_MAX.
    expect(first).toBe(30 * MIN);
    // Thirty new items within the hour: every 2 min of publishing, read at 1 min.
    clock = T0 + 30 * MIN;
    items = Array.from({ length: 30 }, (_, i) => ({
      title: `Tin ${i + 1}`,
      link: `https://tin.example/${i + 1}`,
      guid: String(i + 1),
      date: new Date(T0 + i * MIN).toUTCString(),
    }));
    await p.runCycle();
    const busy = await repos.feedStates.get("busy");
    expect(busy?.recentPublished).toHaveLength(31);
    // 31 items in the last hour: under 2 min apart, so POLL_MIN.
    expect(busy?.readEveryMs).toBe(MIN);
    // Two hours on without news the burst has left the hour: 31 a day, 23 min apart.
    clock = T0 + 150 * MIN;
    await p.runCycle();
    expect((await repos.feedStates.get("busy"))?.readEveryMs).toBe(Math.round(DAY / 31 / 2));
    // A failure: not due by schedule any more, the backoff decides (1 cycle skipped).
    down = true;
    clock += Math.round(DAY / 31 / 2);
    const failed = await p.runCycle();
    expect(failed.outcomes[0]?.status).toBe("error");
    expect((await repos.feedStates.get("busy"))?.nextReadAt).toBeUndefined();
    expect((await p.runCycle()).outcomes[0]?.status).toBe("skipped");
    down = false;
    expect((await p.runCycle()).outcomes[0]?.status).toBe("unchanged");
  });
});
