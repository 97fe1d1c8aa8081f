import { afterEach, describe, expect, it } from "vitest";
import type { CycleResult } from "../src/feeds/poller.js";
import { BOT_ADMIN, type Harness, rssOf, startHarness } from "./bot-harness.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const HOUR = 3_600_000;
const statusOf = (r: CycleResult) => r.outcomes.find((o) => o.feed === "hatinh")?.status;

describe("feed health: the bot's admins hear of a broken feed before readers do (clock injected)", () => {
  it("one alert after an hour and three tries, a pause after a week (read once a day), /resumefeed, one note on recovery", async () => {
    let clock = Date.now();
    h = await startHarness({
      now: () => clock,
      // Each failure skips at most one cycle, so three tries take five cycles.
      env: { BACKOFF_MAX_CYCLES: "1", FEED_ALERT_AFTER: "1h", FEED_PAUSE_AFTER: "7d" },
    });
    h.tg.addChat({ id: BOT_ADMIN, type: "private", members: new Map() });
    // The notes (and answers) the admin got, /stats's figures apart.
    const notes = () =>
      h.tg
        .sentTo(BOT_ADMIN)
        .map((m) => m.text)
        .filter((t) => !t.includes("📊"));
    const statsReplies = () =>
      h.tg
        .sentTo(BOT_ADMIN)
        .map((m) => m.text)
        .filter((t) => t.includes("📊"));
    await h.app.runOnce(); // a good read first
    let broken = true;
    h.feeds.route("/rss", (_req, res) =>
      broken ? void res.writeHead(503).end("busy") : void res.writeHead(200).end(rssOf(h.items)),
    );
    const statuses: Array<string | undefined> = [];
    for (let k = 0; k < 5; k++) {
      // The third try comes more than an hour after the first failure.
      if (k === 4) clock += HOUR + 60_000;
      statuses.push(statusOf(await h.app.runOnce()));
    }
    expect(statuses).toEqual(["error", "skipped", "error", "skipped", "error"]);
    await h.tg.waitFor(() => notes().length === 1, 5000, "the alert");
    expect(notes()[0]).toContain("⚠️ Nguồn <b>hatinh</b> không đọc được từ");
    expect(notes()[0]).toContain("(3 lần thử)");
    expect(notes()[0]).toContain("máy chủ trả lỗi HTTP 503");
    expect(notes()[0]).toContain("sau 7 ngày");
    // More failures: no second alert.
    for (let k = 0; k < 2; k++) await h.app.runOnce();
    // /stats, from the real store: the feed failing, today's figures, the slowest feed.
    h.tg.message(BOT_ADMIN, BOT_ADMIN, "/stats");
    await h.tg.waitFor(() => statsReplies().length === 1, 5000, "/stats");
    const stats = statsReplies()[0] ?? "";
    expect(stats).toContain("Nguồn: 0 tốt · 1 lỗi · 0 tạm dừng");
    expect(stats).toMatch(/Hôm nay: 1 tin mới · 0 bài đã gửi/);
    expect(stats).toContain("Chậm nhất: hatinh");
    // A week on: paused, and told so.
    clock += 7 * 24 * HOUR;
    for (let k = 0; k < 2; k++) await h.app.runOnce();
    await h.tg.waitFor(() => notes().length === 2, 5000, "the pause note");
    expect(notes()[1]).toContain("⏸ Nguồn <b>hatinh</b>");
    expect(notes()[1]).toContain("/resumefeed hatinh");
    // Paused: not read again within a day (the cycle reports it skipped, the server saw nothing).
    const before = h.feeds.requests.length;
    expect(statusOf(await h.app.runOnce())).toBe("skipped");
    expect(statusOf(await h.app.runOnce())).toBe("skipped");
    expect(h.feeds.requests.length).toBe(before);
    // /resumefeed from a bot admin: read at the next cycle; it answers again: one "recovered" note.
    h.tg.message(BOT_ADMIN, BOT_ADMIN, "/resumefeed Hà Tĩnh");
    await h.tg.waitFor(() => notes().length === 3, 5000, "the /resumefeed answer");
    expect(notes()[2]).toContain("sẽ được đọc lại");
    broken = false;
    expect(statusOf(await h.app.runOnce())).not.toBe("skipped");
    await h.tg.waitFor(() => notes().length === 4, 5000, "the recovery note");
    expect(notes()[3]).toContain("✅ Nguồn <b>hatinh</b> đã đọc lại được");
    await h.app.runOnce();
    h.tg.message(BOT_ADMIN, BOT_ADMIN, "/resumefeed hatinh");
    await h.tg.waitFor(() => notes().length === 5, 5000, "not paused");
    expect(notes()[4]).toContain("không bị tạm dừng");
    expect(await h.app.repos.feedHealth.all()).toEqual(new Map());
  });
});
