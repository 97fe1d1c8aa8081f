import { join } from "node:path";
import { Api } from "grammy";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFloodBudget, type FloodBudget } from "../src/delivery/budget.js";
import { createDeliveryWorker, type WorkerDeps } from "../src/delivery/worker.js";
import type { FeedItem } from "../src/domain/types.js";
import { createRepos, type Repos } from "../src/store/repos.js";
import { openStore, type Store } from "../src/store/store.js";
import { FakeTelegram, type FakeTelegramOptions, TOKEN } from "./fakes/telegram-server.js";
import { tempDir, testLog } from "./helpers.js";

const item = (n: number, extra: Partial<FeedItem> = {}): FeedItem => ({
  id: `i${n}`,
  feed: "hatinh",
  title: `Tin ${n}`,
  link: `https://tin.example/${n}`,
  text: `Nội dung tin ${n}. Câu thứ hai.`,
  categories: [],
  published: "2026-11-27T08:00:00+07:00",
  ...extra,
});

let tg: FakeTelegram;
let store: Store;
let repos: Repos;
let budget: FloodBudget;
const dir = tempDir();
let n = 0;
const workers: Array<{ stop(ms: number): Promise<void> }> = [];

async function setup(options: FakeTelegramOptions = { limits: true }) {
  tg = await new FakeTelegram(options).start();
  store = await openStore(`sqlite://${join(dir.path, `w${n++}.sqlite`)}`, { log: testLog });
  repos = createRepos(store, { operatorFeeds: [], seenTtlMs: 86_400_000 });
  budget = createFloodBudget({ rate: 25, log: testLog });
}
beforeEach(() => setup());
afterEach(async () => {
  for (const w of workers.splice(0)) await w.stop(1000);
  await tg.close();
  await store.close();
});

function worker(overrides: Partial<WorkerDeps> = {}) {
  const api = new Api(TOKEN, { apiRoot: tg.apiRoot, timeoutSeconds: 2 });
  api.config.use(budget.transformer("post"));
  const w = createDeliveryWorker({
    api,
    budget,
    deliveries: repos.deliveries,
    items: repos.items,
    subscriptions: repos.subscriptions,
    settings: repos.settings,
    log: testLog,
    digestHeader: (_l, count) => `📰 ${count} tin mới`,
    timeZone: "Asia/Ho_Chi_Minh",
    defaultLanguage: "vi",
    paidBroadcast: false,
    digestThreshold: 5,
    owner: `w${Math.random()}`,
    claimTtlMs: 5000,
    retryMaxMs: 86_400_000,
    pollMs: 100,
    ...overrides,
  });
  workers.push(w);
  return w;
}

/** Subscribes chats to "all" and plans deliveries of these items to them. */
async function plan(chats: Array<{ chatId: number; threadId?: number }>, items: FeedItem[]): Promise<number> {
  for (const c of chats)
    await repos.subscriptions.subscribe({ ...c, chatType: c.chatId < 0 ? "supergroup" : "private" }, "all");
  const stored = await repos.items.store(items);
  return repos.deliveries.plan(stored.map((s) => s.rowId));
}

describe("delivery worker", () => {
  it("keeps at least a second between posts to one chat; a story is in the ledger once", async () => {
    tg.addChat({ id: 5, type: "private" });
    expect(
      await plan(
        [{ chatId: 5 }],
        [1, 2, 3].map((i) => item(i)),
      ),
    ).toBe(3);
    const w = worker();
    await w.start();
    await w.drained();
    const times = tg.sentTo(5).map((m) => m.at);
    expect(times).toHaveLength(3);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(950);
    expect((times[2] ?? 0) - (times[1] ?? 0)).toBeGreaterThanOrEqual(950);
    expect(tg.flood429).toBe(0);
    expect((await repos.deliveries.counts()).pending).toBe(0);
    // Sent: planning the same stories again creates nothing.
    const stored = await repos.items.store([item(1)]);
    expect(await repos.deliveries.plan(stored.map((s) => s.rowId))).toBe(0);
  });

  it("forum topics of one group share the group's limits", async () => {
    tg.addChat({ id: -80, type: "supergroup", isForum: true });
    await plan(
      [
        { chatId: -80, threadId: 3 },
        { chatId: -80, threadId: 4 },
      ],
      [item(1), item(2)],
    );
    const w = worker();
    await w.start();
    await w.drained();
    const sent = tg.sentTo(-80);
    expect(sent.map((m) => m.threadId).sort()).toEqual([3, 3, 4, 4]);
    const times = sent.map((m) => m.at).sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++)
      expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(950);
    expect(tg.flood429).toBe(0);
  });

  it("holds posts during quiet hours, then sends them as one digest", async () => {
    tg.addChat({ id: -70, type: "supergroup" });
    await repos.settings.save(-70, {
      summary: "normal",
      images: true,
      previews: false,
      silent: true,
      quiet: { start: 22, end: 6 },
    });
    await plan(
      [{ chatId: -70 }],
      [1, 2, 3].map((i) => item(i)),
    );
    // 23:00 in Hà Nội, on a clock that runs (the flood budget shares it).
    let offset = Date.parse("2026-11-27T23:00:00+07:00") - Date.now();
    const now = () => Date.now() + offset;
    budget = createFloodBudget({ rate: 25, log: testLog, now });
    const w = worker({ now });
    await w.start();
    await tg.waitFor(
      () => w.stats().quietHeld === 1 && w.stats().inFlight === 0,
      5000,
      "the posts to be held",
    );
    expect(tg.sentTo(-70)).toHaveLength(0);
    // Morning: the hold (re-checked every minute) ends and one digest goes.
    offset = Date.parse("2026-11-28T06:30:00+07:00") - Date.now();
    w.invalidate(-70);
    await tg.waitFor(() => tg.sentTo(-70).length === 1, 10_000, "the digest");
    await w.drained();
    const sent = tg.sentTo(-70);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.text).toContain("3 tin mới");
    expect(sent[0]?.disableNotification).toBe(true);
    for (const i of [1, 2, 3]) expect(sent[0]?.text).toContain(`https://tin.example/${i}`);
  });

  it("chats in quiet hours wait in the database, not in the window: the others are not starved", async () => {
    const quiet = { start: 0, end: 0 };
    // Quiet hours around whatever hour the test runs in.
    const hour = Number(
      new Intl.DateTimeFormat("en-GB", {
        timeZone: "Asia/Ho_Chi_Minh",
        hour: "2-digit",
        hourCycle: "h23",
      }).format(Date.now()),
    );
    quiet.start = hour;
    quiet.end = (hour + 2) % 24; // two hours, so the test cannot straddle the window's end
    for (const id of [-71, -72, -73]) {
      tg.addChat({ id, type: "supergroup" });
      await repos.settings.save(id, {
        summary: "normal",
        images: false,
        previews: false,
        silent: false,
        quiet,
      });
    }
    await plan(
      [{ chatId: -71 }, { chatId: -72 }, { chatId: -73 }],
      Array.from({ length: 50 }, (_, i) => item(100 + i)),
    );
    tg.addChat({ id: 7, type: "private" });
    await plan([{ chatId: 7 }], [item(999)]);
    // A window of 100 rows: before, the 150 held rows filled it and chat 7 waited for hours.
    const w = worker({ window: 100 });
    await w.start();
    await tg.waitFor(() => tg.sentTo(7).length === 1, 10_000, "the chat that is not quiet");
    expect(tg.sentTo(-71)).toEqual([]);
    // All three held in the database: the window holds none of their rows.
    await tg.waitFor(
      () => w.stats().quietHeld === 3 && w.stats().pending === 0,
      5000,
      "the quiet chats to be held",
    );
    const held = await store.db
      .selectFrom("deliveries")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("chat_id", "in", [-71, -72, -73])
      .where("status", "=", "pending")
      .where("not_before", ">", Date.now())
      .executeTakeFirst();
    // 50 each, and item 999 (planned for chat 7, and so for every "all" subscriber).
    expect(Number(held?.n)).toBe(153);
  });

  it("an honoured global 429 is not 'stuck'; work due with nothing accepted is", async () => {
    tg.addChat({ id: 8, type: "private" });
    await plan([{ chatId: 8 }], [item(1)]);
    let offset = 0;
    const now = () => Date.now() + offset;
    budget = createFloodBudget({ rate: 25, log: testLog, now });
    budget.onFlood(undefined, 30); // Telegram asked the whole bot to wait 30 s
    const w = worker({ now, stuckMs: 1000 });
    await w.start();
    expect(w.stats().pending).toBe(1);
    offset = 5000; // five seconds later, on the worker's clock: nothing sent, as asked
    expect(w.health().stuck).toBe(false);
    offset = 40_000; // the pause is over, the post is due, and still nothing was accepted
    expect(tg.sentTo(8)).toEqual([]);
    expect(w.health().stuck).toBe(true);
  });

  it("resumes the queue after a stop", async () => {
    tg.addChat({ id: 6, type: "private", latencyMs: 200 });
    await plan([{ chatId: 6 }], [item(1), item(2)]);
    const first = worker();
    await first.start();
    await tg.waitFor(() => tg.sentTo(6).length === 1, 5000, "the first post");
    await first.stop(5000);
    expect(tg.sentTo(6)).toHaveLength(1);
    const second = worker();
    await second.start();
    await second.drained();
    expect(tg.sentTo(6).map((m) => m.text.includes("Tin 2"))).toEqual([false, true]);
  });

  it("a send Telegram accepted is never repeated when the ledger write fails: the write is retried", async () => {
    tg.addChat({ id: 7, type: "private" });
    await plan([{ chatId: 7 }], [item(1)]);
    let failures = 3;
    const deliveries = {
      ...repos.deliveries,
      complete: async (...args: Parameters<Repos["deliveries"]["complete"]>) => {
        if (failures-- > 0) throw new Error("database is locked");
        return repos.deliveries.complete(...args);
      },
    };
    const w = worker({ deliveries });
    await w.start();
    await tg.waitFor(() => failures < 0, 10_000, "the ledger write to succeed");
    await w.drained();
    expect(tg.sentTo(7)).toHaveLength(1);
    expect((await repos.deliveries.counts()).pending).toBe(0);
  });

  it("two senders on one queue send each delivery once", async () => {
    const chats = Array.from({ length: 30 }, (_, i) => ({ chatId: 1000 + i }));
    for (const c of chats) tg.addChat({ id: c.chatId, type: "private", latencyMs: 20 });
    await plan(chats, [item(1)]);
    const a = worker();
    const b = worker();
    await Promise.all([a.start(), b.start()]);
    await Promise.all([a.drained(), b.drained()]);
    await tg.waitFor(() => tg.sent.length >= 30, 10_000, "every chat");
    const perChat = new Map<number, number>();
    for (const m of tg.sent) perChat.set(m.chatId, (perChat.get(m.chatId) ?? 0) + 1);
    expect(perChat.size).toBe(30);
    expect([...perChat.values()].every((v) => v === 1)).toBe(true);
  });

  it("no right to send photos: the post goes as text and the subscription stays", async () => {
    tg.addChat({ id: -90, type: "supergroup", noPhotoRights: true });
    await plan([{ chatId: -90 }], [item(1, { image: "https://img.example/1.jpg" })]);
    const w = worker();
    await w.start();
    await w.drained();
    expect(tg.sentTo(-90).map((m) => m.method)).toEqual(["sendMessage"]);
    expect(await repos.subscriptions.get(-90)).toBeDefined();
  });

  it("a bot that may not send text at all, or a 403, loses the chat's subscriptions and queue", async () => {
    tg.addChat({ id: -91, type: "supergroup", noTextRights: true });
    tg.addChat({ id: 92, type: "private", kicked: true });
    await plan([{ chatId: -91 }, { chatId: 92 }], [item(1), item(2)]);
    const w = worker();
    await w.start();
    await w.drained();
    expect(tg.sentTo(-91)).toEqual([]);
    expect(await repos.subscriptions.get(-91)).toBeUndefined();
    expect(await repos.subscriptions.get(92)).toBeUndefined();
    expect((await repos.deliveries.counts()).pending).toBe(0);
  });

  it("a digest rejected as HTML is re-sent as plain text", async () => {
    tg.addChat({ id: -93, type: "supergroup", rejectHtml: true });
    await plan(
      [{ chatId: -93 }],
      [1, 2, 3, 4, 5, 6].map((i) => item(i)),
    );
    const w = worker();
    await w.start();
    await w.drained();
    const sent = tg.sentTo(-93);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.parseMode).toBeUndefined();
    expect(sent[0]?.text).toContain("6 tin mới");
  });

  it("retries end in a dead letter; a failing delivery does not block the chat's others", async () => {
    tg.addChat({ id: 94, type: "private" });
    // Item 1 is far too old to retry; item 2 is fine.
    await plan([{ chatId: 94 }], [item(1)]);
    await store.db
      .updateTable("deliveries")
      .set({ created_at: Date.now() - 2 * 86_400_000 })
      .execute();
    await plan([{ chatId: 94 }], [item(2)]);
    const w = worker();
    await w.start();
    await w.drained();
    expect(tg.sentTo(94).map((m) => m.text.includes("Tin 2"))).toEqual([true]);
    expect((await repos.deliveries.counts()).dead).toBe(1);
    expect(w.stats().deadLettered).toBe(1);
  });

  it("a 5xx is retried with backoff and then sent once", async () => {
    tg.addChat({ id: 95, type: "private", fail5xx: 1 });
    await plan([{ chatId: 95 }], [item(1)]);
    const w = worker();
    await w.start();
    await tg.waitFor(() => tg.sentTo(95).length === 1, 10_000, "the retry");
    expect(w.stats().retries).toBe(1);
  });

  it("a 429 is honoured: nothing goes into that chat before retry_after, the others go on", async () => {
    tg.addChat({ id: 96, type: "private", forced429: { times: 1, retryAfter: 2 } });
    tg.addChat({ id: 97, type: "private" });
    await plan([{ chatId: 96 }, { chatId: 97 }], [item(1)]);
    const w = worker();
    await w.start();
    await tg.waitFor(() => tg.sentTo(97).length === 1, 5000, "the other chat");
    await tg.waitFor(() => tg.sentTo(96).length === 1, 10_000, "the paused chat");
    expect(tg.violations).toBe(0);
    expect(tg.sentTo(96)).toHaveLength(1);
  });

  it("unsubscribing cancels what is queued at once", async () => {
    tg.addChat({ id: 98, type: "private" });
    await plan([{ chatId: 98 }], [item(1), item(2)]);
    await repos.subscriptions.unsubscribe({ chatId: 98 }, "all");
    const w = worker();
    await w.start();
    await w.drained();
    expect(tg.sentTo(98)).toEqual([]);
  });

  it("a send that hangs is abandoned after the timeout, and delivery reads as stuck", async () => {
    tg.addChat({ id: 99, type: "private", hang: true });
    await plan([{ chatId: 99 }], [item(1)]);
    const w = worker({ stuckMs: 500 });
    await w.start();
    await tg.waitFor(() => w.health().stuck, 5000, "delivery to read as stuck");
    // grammY's timeout (2 s here) abandons the call; it is retried later, not lost.
    await tg.waitFor(() => w.stats().retries >= 1, 10_000, "the hung send to be abandoned");
    const chat = tg.chats.get(99);
    if (chat) chat.hang = false;
    await tg.waitFor(() => tg.sentTo(99).length >= 1, 20_000, "the post after the hang");
    await tg.waitFor(() => !w.health().stuck, 5000, "delivery to recover");
  }, 40_000);
});
