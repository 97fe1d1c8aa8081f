import { afterEach, describe, expect, it } from "vitest";
import { type Harness, rssOf, startHarness, story } from "./bot-harness.js";
import { telegramParse } from "./fakes/telegram-html.js";
import { FakeHub } from "./fakes/websub-hub.js";
import { freePort } from "./helpers.js";

const GROUP = -1001;
let h: Harness | undefined;
let hub: FakeHub | undefined;
afterEach(async () => {
  await h?.close();
  await hub?.close();
  h = hub = undefined;
});

describe("WebSub push", () => {
  it("subscribes at the hub a feed names, reads signed pushes within seconds, ignores bad ones, renews, unsubscribes, lets a lease end", async () => {
    hub = await new FakeHub().start();
    const theHub = hub;
    const port = await freePort();
    let clock = Date.now();
    let pushedItems = [
      story(1, { title: "Tin đẩy số 1: Hà Tĩnh đón khách", guid: "p1", link: "https://tin.example/p1" }),
    ];
    let topic = "";
    // The feed names its hub and itself, as WordPress, Blogger and most hosted feeds do.
    const doc = () =>
      rssOf(pushedItems).replace(
        "<channel>",
        `<channel><atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="hub" href="${theHub.url}"/><atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="self" href="${topic}"/>`,
      );
    h = await startHarness({
      now: () => clock,
      env: (feeds) => {
        topic = feeds.url("/pushed");
        feeds.route("/pushed", (_req, res) => void res.writeHead(200).end(doc()));
        return {
          FEEDS: `hatinh=${feeds.url("/rss")}, tin=${topic}`,
          HTTP_PORT: String(port),
          WEBSUB_URL: `http://127.0.0.1:${port}`,
          WEBSUB_LEASE: "1h",
          BASELINE_ANNOUNCE: "0",
        };
      },
    });
    const app = h.app;
    h.tg.addChat({ id: GROUP, type: "supergroup" });
    await app.repos.subscriptions.subscribe({ chatId: GROUP, chatType: "supergroup" }, "all");
    const posted = () =>
      h?.tg.sentTo(GROUP).map((m) => {
        const parsed = telegramParse(m.text);
        return parsed.ok ? parsed.text : m.text;
      }) ?? [];

    // The first read finds the hub; the leader subscribes and the hub verifies our intent.
    await app.runOnce();
    await app.settled();
    await theHub.settled();
    expect(theHub.requests).toHaveLength(1);
    const request = theHub.requests[0] as Record<string, string>;
    expect(request).toMatchObject({
      "hub.mode": "subscribe",
      "hub.topic": topic,
      "hub.lease_seconds": "3600",
    });
    expect(request["hub.callback"]).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:${port}/websub/[\\w-]{20,}$`),
    );
    expect((request["hub.secret"] ?? "").length).toBeGreaterThanOrEqual(32);
    expect(theHub.verifications).toEqual([{ mode: "subscribe", topic, status: 200, echoed: true }]);
    const [row] = await app.repos.websub.all();
    expect(row).toMatchObject({ feed: "tin", state: "active", leaseUntil: clock + 3_600_000 });
    expect(await app.repos.websub.pushed(clock)).toEqual(new Set(["tin"]));

    // A signed push is read like a fetch of the feed: posted within seconds, not at the next poll.
    let n = 1;
    for (const method of ["sha256", "sha1", "sha384", "sha512"] as const) {
      n++;
      const title = `Tin đẩy số ${n}: ký bằng ${method}`;
      pushedItems = [story(n, { title, guid: `p${n}`, link: `https://tin.example/p${n}` }), ...pushedItems];
      const started = Date.now();
      expect(await theHub.publish(topic, doc(), { method })).toBe(1);
      await h.tg.waitFor(() => posted().some((t) => t.includes(title)), 10_000, `the ${method} push posted`);
      console.info(`websub: publish → post (${method}) in ${Date.now() - started} ms`);
    }
    expect(theHub.deliveries.every((d) => d.status === 202)).toBe(true);

    // A bad signature and no signature: acknowledged, ignored. The good push after them is the
    // signal that both were handled.
    const bad = "Tin giả: chữ ký sai";
    const unsigned = "Tin giả: không có chữ ký";
    pushedItems = [story(20, { title: bad, guid: "bad", link: "https://tin.example/bad" }), ...pushedItems];
    await theHub.publish(topic, doc(), { badSignature: true });
    pushedItems = [
      story(21, { title: unsigned, guid: "unsigned", link: "https://tin.example/u" }),
      ...pushedItems.slice(1),
    ];
    await theHub.publish(topic, doc(), { unsigned: true });
    pushedItems = [
      story(22, { title: "Tin đẩy thật sau tin giả", guid: "p22", link: "https://tin.example/p22" }),
      ...pushedItems.slice(1),
    ];
    await theHub.publish(topic, doc());
    await h.tg.waitFor(() => posted().some((t) => t.includes("Tin đẩy thật")), 10_000, "the good push");
    expect(posted().some((t) => t.includes(bad) || t.includes(unsigned))).toBe(false);
    expect(theHub.deliveries.slice(-3).map((d) => d.status)).toEqual([202, 202, 202]);

    // A verification nobody asked for (someone trying to unsubscribe us) is refused.
    const callback = request["hub.callback"] as string;
    expect((await theHub.forge(callback, "unsubscribe", topic)).status).toBe(404);
    expect((await app.repos.websub.all())[0]?.state).toBe("active");

    // Renewal in the last tenth of the lease: the same callback, verified again, lease extended.
    clock += 55 * 60_000;
    await app.runOnce();
    await app.settled();
    await theHub.settled();
    expect(theHub.requests).toHaveLength(2);
    expect(theHub.requests[1]).toMatchObject({ "hub.mode": "subscribe", "hub.callback": callback });
    expect((await app.repos.websub.all())[0]?.leaseUntil).toBe(clock + 3_600_000);

    // The feed is removed: unsubscribed at the hub (verified), and a late push gets 410 Gone.
    await app.repos.feeds.remove("tin");
    await app.runOnce();
    await app.settled();
    await theHub.settled();
    expect(theHub.requests[2]).toMatchObject({ "hub.mode": "unsubscribe", "hub.callback": callback });
    expect(theHub.verifications.at(-1)).toMatchObject({ mode: "unsubscribe", echoed: true });
    expect(await app.repos.websub.all()).toEqual([]);
    const late = await fetch(callback, { method: "POST", body: doc() });
    expect(late.status).toBe(410);

    // Back again, then a lease that ends without renewal (the hub refuses): polling alone.
    await app.repos.feeds.add({ name: "tin", url: topic, kind: "http" });
    await app.runOnce();
    await app.settled();
    await theHub.settled();
    expect((await app.repos.websub.all())[0]?.state).toBe("active");
    const lease = (await app.repos.websub.all())[0]?.leaseUntil ?? 0;
    clock = lease + 1;
    expect(await app.repos.websub.pushed(clock)).toEqual(new Set());
    theHub.refuseWith = 503;
    await app.runOnce();
    await app.settled();
    expect((await app.repos.websub.all())[0]).toMatchObject({ state: "failed", error: "HTTP 503" });
    // A push on the lapsed subscription is not read.
    const before = posted().length;
    pushedItems = [
      story(30, { title: "Tin sau khi hết hạn", guid: "late", link: "https://tin.example/late" }),
      ...pushedItems,
    ];
    await theHub.publish(topic, doc());
    expect(theHub.deliveries.at(-1)?.status).toBe(202);
    // The poll still reads the feed: its new item arrives that way.
    await app.runOnce();
    await h.tg.waitFor(
      () => posted().some((t) => t.includes("Tin sau khi hết hạn")),
      10_000,
      "the polled item",
    );
    expect(posted().length).toBe(before + 1);
  }, 60_000);
});
