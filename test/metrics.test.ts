import { afterEach, describe, expect, it } from "vitest";
import { ADMIN, type Harness, MEMBER, startHarness, story } from "./bot-harness.js";
import { freePort } from "./helpers.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const GROUP = -1001777;

/** One sample's value from the Prometheus text, or undefined. */
function sample(text: string, name: string, labels = ""): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ""} `));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
}

describe("GET /metrics (prom-client) on HTTP_PORT", () => {
  it("exposes the feed, delivery, Telegram and queue metrics, with no chat id or URL in a label", async () => {
    const port = await freePort();
    h = await startHarness({ env: { HTTP_PORT: String(port) } });
    await h.app.runOnce(); // baseline
    h.tg.addChat({
      id: GROUP,
      type: "supergroup",
      title: "Nhóm",
      members: new Map([
        [ADMIN, "administrator"],
        [MEMBER, "member"],
      ]),
    });
    h.tg.message(GROUP, ADMIN, "/subscribe");
    await h.tg.waitFor(() => h.tg.sentTo(GROUP).length > 0, 5000, "subscribed");
    h.setItems([story(2, { date: new Date(Date.now() - 60_000).toUTCString() }), story(1)]);
    await h.app.runOnce();
    await h.tg.waitFor(() => h.tg.sentTo(GROUP).some((m) => m.text.includes("Tin số 2")), 5000, "the post");
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    for (const name of [
      "bantin_feed_fetches_total",
      "bantin_feed_fetch_duration_seconds",
      "bantin_items_new_total",
      "bantin_deliveries_total",
      "bantin_delivery_lag_seconds",
      "bantin_telegram_requests_total",
      "bantin_telegram_429_total",
      "bantin_queue_depth",
      "bantin_last_poll_success_timestamp_seconds",
      "process_cpu_seconds_total",
      "nodejs_heap_size_used_bytes",
    ])
      expect(text, name).toContain(`# TYPE ${name} `);
    expect(sample(text, "bantin_feed_fetches_total", 'outcome="ok"')).toBeGreaterThanOrEqual(2);
    // The first read announces its newest story (BASELINE_ANNOUNCE=1), then story 2.
    expect(sample(text, "bantin_items_new_total")).toBe(2);
    expect(sample(text, "bantin_deliveries_total", 'result="sent"')).toBe(1);
    expect(sample(text, "bantin_delivery_lag_seconds_count")).toBe(1);
    expect(
      sample(text, "bantin_telegram_requests_total", 'method="sendPhoto",code="200"') ??
        sample(text, "bantin_telegram_requests_total", 'method="sendMessage",code="200"'),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(text, "bantin_queue_depth", 'state="pending"')).toBe(0);
    expect(sample(text, "bantin_last_poll_success_timestamp_seconds")).toBeGreaterThan(
      Date.now() / 1000 - 60,
    );
    // Labels from fixed sets only: no chat id, no feed URL or name, no token.
    expect(text).not.toContain(String(GROUP));
    expect(text).not.toContain("127.0.0.1");
    expect(text).not.toContain("hatinh");
    expect(text).not.toMatch(/\d+:AA/);
  });
});
