import { join } from "node:path";
import { Api } from "grammy";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChatWindow, createPacer, GROUP_PER_MINUTE } from "../src/delivery/limits.js";
import { createDeliveryWorker } from "../src/delivery/worker.js";
import type { FeedItem } from "../src/feeds/item.js";
import { createSettingsRepo } from "../src/store/chat-settings.js";
import { createOutboxRepo, newDelivery } from "../src/store/outbox.js";
import { openStore, type Store } from "../src/store/store.js";
import { createSubscriptionRepo } from "../src/store/subscriptions.js";
import { FakeTelegram, TOKEN } from "./fakes/telegram-server.js";
import { tempDir, testLog } from "./helpers.js";

const item = (n: number): FeedItem => ({
  id: `i${n}`,
  feed: "hatinh",
  title: `Tin ${n}`,
  link: `https://tin.example/${n}`,
  text: `Nội dung tin ${n}. Câu thứ hai.`,
  categories: [],
  published: "2026-11-27T08:00:00+07:00",
});

let tg: FakeTelegram;
let store: Store;
const dir = tempDir();
let n = 0;
beforeEach(async () => {
  tg = await new FakeTelegram({ limits: true }).start();
  store = await openStore(`sqlite://${join(dir.path, `w${n++}.sqlite`)}`, testLog);
});
afterEach(async () => {
  await tg.close();
  await store.close();
});

function worker(now: () => number = Date.now, paidBroadcast = false) {
  return createDeliveryWorker({
    api: new Api(TOKEN, { apiRoot: tg.apiRoot }),
    outbox: createOutboxRepo(store, 86_400_000),
    subscriptions: createSubscriptionRepo(store),
    settings: createSettingsRepo(store),
    log: testLog,
    digestHeader: (_l, count) => `📰 ${count} tin mới`,
    timeZone: "Asia/Ho_Chi_Minh",
    defaultLanguage: "vi",
    sendRate: 25,
    paidBroadcast,
    digestThreshold: 5,
    now,
  });
}

describe("delivery worker", () => {
  it("keeps at least a second between posts to one chat (no 429 from a strict server)", async () => {
    tg.addChat({ id: 5, type: "private" });
    const w = worker();
    const outbox = createOutboxRepo(store, 86_400_000);
    w.add(await outbox.enqueue([1, 2, 3].map((i) => newDelivery(5, undefined, "hatinh", item(i)))));
    await w.drained();
    const times = tg.sentTo(5).map((m) => m.at);
    expect(times).toHaveLength(3);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(950);
    expect((times[2] ?? 0) - (times[1] ?? 0)).toBeGreaterThanOrEqual(950);
    expect(tg.flood429).toBe(0);
    expect(await outbox.pending()).toEqual([]);
    // Already in the ledger: never queued again.
    expect(await outbox.enqueue([newDelivery(5, undefined, "hatinh", item(1))])).toEqual([]);
  });

  it("holds posts during quiet hours, then sends them as one digest", async () => {
    tg.addChat({ id: -70, type: "supergroup" });
    await createSettingsRepo(store).save(-70, {
      summary: "normal",
      images: true,
      previews: false,
      silent: true,
      quiet: { start: 22, end: 6 },
    });
    // 23:00 in Hà Nội.
    let clock = Date.parse("2026-11-27T23:00:00+07:00");
    const w = worker(() => clock);
    const outbox = createOutboxRepo(store, 86_400_000);
    w.add(await outbox.enqueue([1, 2, 3].map((i) => newDelivery(-70, undefined, "hatinh", item(i)))));
    await new Promise((r) => setTimeout(r, 300));
    expect(tg.sentTo(-70)).toHaveLength(0);
    clock = Date.parse("2026-11-28T06:30:00+07:00");
    w.add([]);
    await w.drained();
    const sent = tg.sentTo(-70);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.text).toContain("3 tin mới");
    expect(sent[0]?.disableNotification).toBe(true);
    for (const i of [1, 2, 3]) expect(sent[0]?.text).toContain(`https://tin.example/${i}`);
  });

  it("asks for paid broadcast on every send when enabled", async () => {
    tg.addChat({ id: 9, type: "private" });
    const w = worker(Date.now, true);
    const outbox = createOutboxRepo(store, 86_400_000);
    w.add(await outbox.enqueue([newDelivery(9, undefined, "hatinh", item(1))]));
    await w.drained();
    expect(tg.sentTo(9)[0]?.paid).toBe(true);
  });

  it("resumes the outbox after a stop", async () => {
    tg.addChat({ id: 6, type: "private", latencyMs: 200 });
    const outbox = createOutboxRepo(store, 86_400_000);
    const first = worker();
    first.add(await outbox.enqueue([1, 2].map((i) => newDelivery(6, undefined, "hatinh", item(i)))));
    await new Promise((r) => setTimeout(r, 50));
    await first.stop(5000);
    expect(tg.sentTo(6)).toHaveLength(1);
    const second = worker();
    await second.start();
    await second.drained();
    expect(tg.sentTo(6).map((m) => m.text.includes("Tin 2"))).toEqual([false, true]);
  });
});

describe("flood limits", () => {
  it("a group gets at most 20 posts a minute, one per second", () => {
    const w = new ChatWindow(true);
    let t = 100_000;
    for (let i = 0; i < GROUP_PER_MINUTE; i++) {
      t = Math.max(t, w.readyAt(t));
      w.sent(t);
    }
    expect(t).toBe(119_000);
    expect(w.readyAt(t)).toBe(160_000);
    const p = new ChatWindow(false);
    p.sent(0);
    expect(p.readyAt(10)).toBe(1000);
    p.pausedUntil = 5000;
    expect(p.readyAt(10)).toBe(5000);
  });

  it("the global pace spaces sends evenly", () => {
    let now = 0;
    const pacer = createPacer(25, () => now);
    pacer.take();
    expect(pacer.readyAt()).toBe(40);
    now = 1000;
    pacer.take();
    expect(pacer.readyAt()).toBe(1040);
  });
});
