import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FeedSource, newFeedState } from "../src/domain/types.js";
import { RETRY_AFTER_MAX_MS, recordFailure } from "../src/feeds/backoff.js";
import { FetchError } from "../src/feeds/fetch.js";
import { createHubClient } from "../src/feeds/hub-client.js";
import { createWebSub } from "../src/feeds/websub.js";
import { createRepos, type Repos } from "../src/store/repos.js";
import { openStore, type Store } from "../src/store/store.js";
import { tempDir, testLog } from "./helpers.js";

/**
 * The subscriber's state machine on a real SQLite store, with the hub's answers scripted
 * (test/websub.test.ts runs the whole exchange against a hub over HTTP).
 */
const dir = tempDir();
afterAll(() => dir.cleanup());
const HOUR = 3_600_000;
const T0 = Date.parse("2026-12-01T00:00:00Z");

let store: Store;
let repos: Repos;
let n = 0;
beforeEach(async () => {
  store = await openStore(`sqlite://${join(dir.path, `w${n++}.sqlite`)}`, { log: testLog });
  repos = createRepos(store, { operatorFeeds: [], seenTtlMs: HOUR });
});
afterEach(() => store.close());

function subscriber(answer: () => Promise<number>) {
  let clock = T0;
  const asked: Array<{ hub: string; form: Record<string, string>; trusted: boolean }> = [];
  const ws = createWebSub({
    repo: repos.websub,
    log: testLog,
    callbackBase: "https://bot.example.vn/bantin/",
    postHub: async (hub, form, trusted) => {
      asked.push({ hub, form, trusted });
      return { status: await answer(), body: "" };
    },
    onPush: async () => undefined,
    leaseSeconds: 86_400,
    now: () => clock,
  });
  /** The hub verifies the last request, as a hub would, at the current clock. */
  const verify = async (leaseSeconds = 86_400) => {
    const form = asked.at(-1)?.form as Record<string, string>;
    const id = (form["hub.callback"] as string).split("/").pop() as string;
    const q = new URLSearchParams({
      "hub.mode": form["hub.mode"] as string,
      "hub.topic": form["hub.topic"] as string,
      "hub.challenge": "c",
      "hub.lease_seconds": String(leaseSeconds),
    });
    return { id, answer: await ws.verify(id, q) };
  };
  const at = (ms: number) => {
    clock = ms;
  };
  return { ws, asked, verify, at };
}

const feed: FeedSource = { name: "tin", url: "https://tin.example/rss", kind: "http" };
const hints = { hubs: ["https://hub.example/"], self: "https://tin.example/rss" };

describe("the WebSub subscriber", () => {
  it("keeps the callback under the base's path, asks a foreign hub through the SSRF guard, skips a plain-http one", async () => {
    const s = subscriber(async () => 202);
    s.ws.noteHints(feed, hints);
    await s.ws.sync([feed], () => true);
    expect(s.asked[0]?.form["hub.callback"]).toMatch(
      /^https:\/\/bot\.example\.vn\/bantin\/websub\/[\w-]{20,}$/,
    );
    // The operator's feed, but the hub is on another host: guarded.
    expect(s.asked[0]?.trusted).toBe(false);
    const other: FeedSource = { name: "khac", url: "https://khac.example/rss", kind: "http" };
    s.ws.noteHints(other, { hubs: ["http://hub.khac.example/"], self: other.url });
    await s.ws.sync([feed, other], () => true);
    expect(s.asked).toHaveLength(1);
    // The operator's own plain-http hub on the feed's host is used, without the guard.
    const local: FeedSource = { name: "noibo", url: "http://tin.local/rss", kind: "http" };
    s.ws.noteHints(local, { hubs: ["http://tin.local:8080/hub"], self: local.url });
    await s.ws.sync([feed, other, local], (f) => f.name === "noibo");
    expect(s.asked[1]).toMatchObject({ hub: "http://tin.local:8080/hub", trusted: true });
  });

  it("refuses verifications it did not ask for; a renewal that fails while the lease runs keeps the subscription", async () => {
    let status = 202;
    const s = subscriber(async () => {
      if (status === 0) throw new Error("ECONNRESET");
      return status;
    });
    s.ws.noteHints(feed, hints);
    await s.ws.sync([feed], () => true);
    const { id, answer } = await s.verify();
    expect(answer).toEqual({ status: 200, body: "c" });
    // A second verification with no request of ours pending, a wrong topic, a denial for another topic.
    expect((await s.verify()).answer.status).toBe(404);
    const wrong = new URLSearchParams({ "hub.mode": "denied", "hub.topic": "https://x.example/" });
    expect((await s.ws.verify(id, wrong)).status).toBe(404);
    expect((await repos.websub.all())[0]?.state).toBe("active");
    // Renewal time (last tenth of the day's lease); the hub is unreachable.
    status = 0;
    s.at(T0 + 22 * HOUR);
    await s.ws.sync([feed], () => true);
    expect(s.asked).toHaveLength(2);
    expect((await repos.websub.all())[0]).toMatchObject({ state: "active", leaseUntil: T0 + 24 * HOUR });
    expect(await repos.websub.pushed(T0 + 22 * HOUR)).toEqual(new Set(["tin"]));
    // Asked again later in the window, and this time it goes through.
    status = 202;
    s.at(T0 + 23.5 * HOUR);
    await s.ws.sync([feed], () => true);
    expect(s.asked).toHaveLength(3);
    expect((await s.verify()).answer.status).toBe(200);
    expect((await repos.websub.all())[0]?.leaseUntil).toBe(T0 + 47.5 * HOUR);
    // A definitive no (4xx) to a renewal ends it at once.
    status = 403;
    s.at(T0 + 46 * HOUR);
    await s.ws.sync([feed], () => true);
    expect((await repos.websub.all())[0]).toMatchObject({ state: "failed", error: "HTTP 403" });
  });

  it("a feed removed while its hub is down, then added back, is subscribed anew; a denial fails it", async () => {
    let status = 202;
    const s = subscriber(async () => status);
    s.ws.noteHints(feed, hints);
    await s.ws.sync([feed], () => true);
    await s.verify();
    status = 503;
    await s.ws.sync([], () => true);
    expect((await repos.websub.all())[0]?.state).toBe("unsubscribing");
    status = 202;
    s.at(T0 + HOUR);
    await s.ws.sync([feed], () => true);
    const last = s.asked.at(-1);
    expect(last?.form["hub.mode"]).toBe("subscribe");
    expect(last?.form["hub.callback"]).not.toBe(s.asked[0]?.form["hub.callback"]);
    const [row] = await repos.websub.all();
    expect(row?.state).toBe("subscribing");
    const denied = new URLSearchParams({
      "hub.mode": "denied",
      "hub.topic": hints.self,
      "hub.reason": "spam",
    });
    expect((await s.ws.verify(row?.callbackId as string, denied)).status).toBe(200);
    expect((await repos.websub.all())[0]).toMatchObject({ state: "failed", error: "denied: spam" });
  });

  it("the hub client refuses an internal hub for a guarded feed", async () => {
    const client = createHubClient({ allowPrivate: false });
    await expect(client.post("http://127.0.0.1:9/hub", { a: "b" }, false)).rejects.toThrow(/127\.0\.0\.1/);
    await expect(client.post("http://localhost:9/hub", { a: "b" }, false)).rejects.toThrow();
    client.close();
  });

  it("a server's Retry-After holds a feed back a day at most", () => {
    const state = newFeedState("f", "https://f.example/rss");
    const error = new FetchError("HTTP 503", "EHTTP", { httpStatus: 503, retryAfterMs: 999_999_999_000 });
    recordFailure(state, 1, error, { now: T0, backoffMaxCycles: 8, cycleMs: 60_000 });
    expect(state.notBefore).toBe(T0 + RETRY_AFTER_MAX_MS);
  });
});
