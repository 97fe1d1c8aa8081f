import { afterEach, describe, expect, it } from "vitest";
import { BOT_ADMIN, type Harness, rssOf, startHarness, story } from "./bot-harness.js";
import { telegramParse } from "./fakes/telegram-html.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("a feed that moved", () => {
  it("is read at its new address after three reads through permanent redirects, and the admins are told; a temporary redirect moves nothing", async () => {
    h = await startHarness({
      env: (feeds) => {
        const doc = rssOf([story(1)]);
        feeds.route("/old", (_req, res) => void res.writeHead(301, { location: "/mid" }).end());
        feeds.route("/mid", (_req, res) => void res.writeHead(308, { location: "/new" }).end());
        feeds.route("/new", (_req, res) => void res.writeHead(200).end(doc));
        feeds.route("/temp", (_req, res) => void res.writeHead(302, { location: "/new2" }).end());
        feeds.route("/new2", (_req, res) => void res.writeHead(200).end(doc));
        return { FEEDS: `hatinh=${feeds.url("/rss")}, cu=${feeds.url("/old")}, tam=${feeds.url("/temp")}` };
      },
    });
    const app = h.app;
    h.tg.addChat({ id: BOT_ADMIN, type: "private" });
    const hits = (path: string) => h?.feeds.requests.filter((r) => r.path === path).length ?? 0;
    const notes = () =>
      h?.tg.sentTo(BOT_ADMIN).map((m) => {
        const parsed = telegramParse(m.text);
        return parsed.ok ? parsed.text : m.text;
      }) ?? [];
    // The start-up cycle may have read it once already.
    while (((await app.repos.feedStates.get("cu"))?.movedReads ?? 0) < 2) await app.runOnce();
    // Two reads through the redirects: not yet (a site may undo a mistaken redirect).
    expect((await app.repos.feeds.find("cu"))?.url).toBe(h.feeds.url("/old"));
    expect((await app.repos.feedStates.get("cu"))?.movedReads).toBe(2);
    await app.runOnce();
    await h.tg.waitFor(() => notes().length === 1, 5000, "the admins' note");
    expect(notes()[0]).toContain("Nguồn cu đã chuyển hẳn sang địa chỉ mới");
    expect(notes()[0]).toContain(`Mới: ${h.feeds.url("/new")}`);
    const moved = await app.repos.feeds.find("cu");
    expect(moved?.url).toBe(h.feeds.url("/new"));
    // Still the operator's feed: trusted (no SSRF guard), and read straight at /new.
    expect(app.repos.feeds.isTrusted(moved as NonNullable<typeof moved>)).toBe(true);
    const before = { old: hits("/old"), fresh: hits("/new") };
    await app.runOnce();
    expect(hits("/old")).toBe(before.old);
    expect(hits("/new")).toBe(before.fresh + 1);
    expect((await app.repos.feedStates.get("cu"))?.failures).toBe(0);
    // The same feed after a restart reads the moved address (kept in the store).
    const again = await app.repos.feeds.all();
    expect(again.find((f) => f.name === "cu")?.url).toBe(h.feeds.url("/new"));
    // A 302 is temporary, however often: the feed keeps its address, nobody is told.
    expect((await app.repos.feeds.find("tam"))?.url).toBe(h.feeds.url("/temp"));
    expect((await app.repos.feedStates.get("tam"))?.movedReads).toBeUndefined();
    expect(notes()).toHaveLength(1);
  });
});
