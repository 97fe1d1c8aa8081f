import { join } from "node:path";
import { Api } from "grammy";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFloodBudget, type FloodBudget } from "../src/delivery/budget.js";
import { type BulletinDeps, createBulletinScheduler } from "../src/delivery/bulletins.js";
import type { FeedItem } from "../src/domain/types.js";
import { createRepos, type Repos } from "../src/store/repos.js";
import { openStore, type Store } from "../src/store/store.js";
import { visibleLength } from "../src/telegram/html.js";
import { telegramParse } from "./fakes/telegram-html.js";
import { FakeTelegram, TOKEN } from "./fakes/telegram-server.js";
import { tempDir, testLog } from "./helpers.js";

/** Wall-clock instants in Vietnam (UTC+7), the default zone. */
const vn = (isoLocal: string) => Date.parse(`${isoLocal}+07:00`);

let tg: FakeTelegram;
let store: Store;
let repos: Repos;
let budget: FloodBudget;
let clock = 0;
const dir = tempDir();
let n = 0;
const GROUP = -100123;

beforeEach(async () => {
  tg = await new FakeTelegram().start();
  store = await openStore(`sqlite://${join(dir.path, `b${n++}.sqlite`)}`, { log: testLog });
  repos = createRepos(store, { operatorFeeds: [], seenTtlMs: 86_400_000 });
  budget = createFloodBudget({ rate: 25, log: testLog });
  tg.addChat({ id: GROUP, type: "supergroup", title: "Nhóm", members: new Map() });
  await repos.subscriptions.subscribe({ chatId: GROUP, chatType: "supergroup" }, "all");
});
afterEach(async () => {
  await tg.close();
  await store.close();
});

function scheduler(overrides: Partial<BulletinDeps> = {}) {
  const api = new Api(TOKEN, { apiRoot: tg.apiRoot, timeoutSeconds: 2 });
  api.config.use(budget.transformer("post"));
  return createBulletinScheduler({
    api,
    bulletins: repos.bulletins,
    items: repos.items,
    chatReadyAt: (chatId) => budget.chatReadyAt(chatId),
    subscriptions: repos.subscriptions,
    settings: repos.settings,
    log: testLog,
    header: (language, part, date) =>
      `${language === "vi" ? { morning: "Bản tin sáng", midday: "Bản tin trưa", afternoon: "Bản tin chiều", evening: "Bản tin tối" }[part] : part} ${date}`,
    timeZone: "Asia/Ho_Chi_Minh",
    defaultLanguage: "vi",
    paidBroadcast: false,
    owner: `i${Math.random()}`,
    claimTtlMs: 30_000,
    maxStories: 10,
    now: () => clock,
    ...overrides,
  });
}

const article = (id: string, extra: Partial<FeedItem> = {}): FeedItem => ({
  id,
  feed: "hatinh",
  title: `Tin ${id}: Hà Tĩnh khởi công dự án`,
  link: `https://tin.example/${id}.html`,
  text: `Chiều ngày 29/2/2024, UBND tỉnh khởi công dự án ${id} với tổng vốn 36.403 tỷ đồng. Câu thứ hai của bài.`,
  categories: [],
  ...extra,
});

/** Stores items as first seen at `at` (the period a bulletin reads is by first-seen time). */
async function storeAt(at: number, items: FeedItem[]) {
  const stored = await repos.items.store(items.map((i) => ({ published: new Date(at).toISOString(), ...i })));
  await store.db
    .updateTable("items")
    .set({ created_at: at })
    .where(
      "id",
      "in",
      stored.map((s) => s.rowId),
    )
    .execute();
}

function visible(text: string, parseMode?: string): string {
  const parsed = parseMode === "HTML" ? telegramParse(text) : undefined;
  return parsed?.ok ? parsed.text : text;
}

/** The bulletins sent to the group, as the reader sees them (Telegram's parse of the HTML). */
const bulletins = () =>
  tg
    .sentTo(GROUP)
    .map((m) => ({ ...m, html: m.text, text: visible(m.text, m.parseMode) }))
    .filter((m) => m.text.startsWith("Bản tin"));

describe("bulletin (Bản tin sáng/tối) with the clock injected", () => {
  it("goes out at 06:30 in the chat's zone, once: again, after a restart, and from two instances at once", async () => {
    await repos.settings.setBulletin(GROUP, { mode: "also" }, vn("2026-12-03T05:00:00"));
    await storeAt(vn("2026-12-03T05:30:00"), [
      article("a"),
      article("b"),
      // The same story (same link) in a second feed: a lead story, listed first and once.
      article("lead", { image: "https://tin.example/lead.jpg" }),
      article("lead", { feed: "thoisu" }),
    ]);
    clock = vn("2026-12-03T06:29:59");
    expect(await scheduler().tick()).toBe(0);
    clock = vn("2026-12-03T06:30:05");
    const first = scheduler();
    expect(await first.tick()).toBe(1);
    expect(await first.tick()).toBe(0);
    expect(await scheduler().tick()).toBe(0); // a restart: a new instance id, the same store
    const [b] = bulletins();
    expect(b?.text.split("\n")[0]).toBe("Bản tin sáng 03/12/2026");
    expect(b?.parseMode).toBe("HTML");
    expect(b?.text).toMatch(/^1\. Tin lead/m);
    expect((b?.text.match(/Tin lead/g) ?? []).length).toBe(1);
    expect(b?.text).toContain("2. Tin");
    expect(b?.text).toContain("3. Tin");
    expect(b?.text).not.toContain("4. ");
    // Each story's one line: its lead, the facts kept.
    expect(b?.text).toContain(
      "Chiều ngày 29/2/2024, UBND tỉnh khởi công dự án lead với tổng vốn 36.403 tỷ đồng.",
    );
    const raw = tg.calls.find(
      (c) => c.method === "sendMessage" && String(c.params.text).startsWith("<b>Bản tin"),
    );
    expect(raw?.params.text).toContain('<a href="https://tin.example/lead.html">');

    // Evening: two instances at once send one bulletin of the stories since the morning one.
    await storeAt(vn("2026-12-03T12:00:00"), [article("c")]);
    clock = vn("2026-12-03T18:30:01");
    const counts = await Promise.all([scheduler().tick(), scheduler().tick(), scheduler().tick()]);
    expect(counts.reduce((x, y) => x + y, 0)).toBe(1);
    expect(bulletins()).toHaveLength(2);
    const evening = bulletins()[1]?.text ?? "";
    expect(evening.split("\n")[0]).toBe("Bản tin tối 03/12/2026");
    expect(evening).toContain("Tin c:");
    expect(evening).not.toContain("Tin a:");
  });

  it("downtime over two slots brings one late bulletin with everything since the last one, once", async () => {
    await repos.settings.setBulletin(GROUP, { mode: "only" }, vn("2026-12-03T05:00:00"));
    await storeAt(vn("2026-12-03T06:00:00"), [article("a")]);
    clock = vn("2026-12-03T06:30:00");
    expect(await scheduler().tick()).toBe(1);
    // Down from 07:00 until 07:10 the next day: the 18:30 and 06:30 slots were missed.
    await storeAt(vn("2026-12-03T10:00:00"), [article("b")]);
    await storeAt(vn("2026-12-03T20:00:00"), [article("c")]);
    await storeAt(vn("2026-12-04T06:00:00"), [article("d")]);
    clock = vn("2026-12-04T07:10:00");
    const restarted = scheduler();
    expect(await restarted.tick()).toBe(1);
    expect(await restarted.tick()).toBe(0);
    expect(await scheduler().tick()).toBe(0);
    expect(bulletins()).toHaveLength(2);
    const late = bulletins()[1]?.text ?? "";
    expect(late.split("\n")[0]).toBe("Bản tin sáng 04/12/2026");
    for (const id of ["b", "c", "d"]) expect(late).toContain(`Tin ${id}:`);
    expect(late).not.toContain("Tin a:");
  });

  it("uses the chat's own zone and times; a slot before the bulletin was turned on is not owed", async () => {
    await repos.settings.setTimeZone(GROUP, "Asia/Tokyo", 0);
    await repos.settings.setBulletin(GROUP, { mode: "also", times: [7 * 60] }, vn("2026-12-03T05:30:00"));
    await storeAt(vn("2026-12-03T04:00:00"), [article("a")]);
    // 07:00 in Tokyo is 05:00 in Vietnam: that slot came before the bulletin was on.
    clock = vn("2026-12-03T05:31:00");
    expect(await scheduler().tick()).toBe(0);
    await storeAt(vn("2026-12-03T20:00:00"), [article("b")]);
    clock = vn("2026-12-04T05:00:30");
    expect(await scheduler().tick()).toBe(1);
    expect(bulletins()[0]?.text.split("\n")[0]).toBe("Bản tin sáng 04/12/2026");
    expect(bulletins()[0]?.text).toContain("Tin b:");
  });

  it("an empty period sends nothing and is settled; stories stay within one message and BULLETIN_MAX", async () => {
    await repos.settings.setBulletin(GROUP, { mode: "also" }, vn("2026-12-03T00:00:00"));
    clock = vn("2026-12-03T06:31:00");
    expect(await scheduler().tick()).toBe(0);
    const row = await store.db.selectFrom("bulletins").selectAll().executeTakeFirst();
    expect(row?.status).toBe("empty");
    expect(tg.sentTo(GROUP)).toHaveLength(0);
    // Forty long stories: at most maxStories, never over Telegram's 4096 characters.
    const long = "Dự án trọng điểm của tỉnh Hà Tĩnh được triển khai đồng bộ trên nhiều địa bàn ".repeat(4);
    await storeAt(
      vn("2026-12-03T12:00:00"),
      Array.from({ length: 40 }, (_, k) =>
        article(`L${k}`, { title: `Tin L${k}: ${long}`.slice(0, 190), text: `${long}. ${long}.` }),
      ),
    );
    clock = vn("2026-12-03T18:31:00");
    expect(await scheduler({ maxStories: 30 }).tick()).toBe(1);
    const html = bulletins().at(-1)?.html ?? "";
    expect(visibleLength(html)).toBeLessThanOrEqual(4096);
    const count = (html.match(/^\d+\. /gm) ?? []).length;
    expect(count).toBeGreaterThan(5);
    expect(count).toBeLessThan(30);
  });

  it("a 429 or a 5xx is tried again later, from the database; a chat that removed the bot loses its subscriptions", async () => {
    await repos.settings.setBulletin(GROUP, { mode: "also" }, vn("2026-12-03T00:00:00"));
    await storeAt(vn("2026-12-03T05:00:00"), [article("a")]);
    const chat = tg.chats.get(GROUP);
    if (!chat) throw new Error("no chat");
    chat.forced429 = { times: 1, retryAfter: 1 };
    clock = vn("2026-12-03T06:30:00");
    const s = scheduler();
    expect(await s.tick()).toBe(0);
    // Not before the retry time, even by another instance.
    clock += 500;
    expect(await scheduler().tick()).toBe(0);
    await new Promise((r) => setTimeout(r, 1100)); // the flood budget's pause is real time
    clock += 1000;
    expect(await s.tick()).toBe(1);
    expect(bulletins()).toHaveLength(1);

    chat.fail5xx = 1;
    await storeAt(vn("2026-12-03T18:00:00"), [article("b")]);
    clock = vn("2026-12-03T18:30:00");
    expect(await s.tick()).toBe(0);
    expect(chat.fail5xx).toBe(0);
    clock += 10_000;
    expect(await s.tick()).toBe(0); // its retry is not due yet
    clock += 60_000;
    expect(await s.tick()).toBe(1);
    expect(bulletins()).toHaveLength(2);

    chat.kicked = true;
    clock = vn("2026-12-04T06:30:00");
    await storeAt(vn("2026-12-04T06:00:00"), [article("c")]);
    expect(await s.tick()).toBe(0);
    expect(await repos.subscriptions.forChat(GROUP)).toEqual([]);
    expect(await repos.bulletins.targets()).toEqual([]);
  });

  it("a chat with a zone this runtime does not know, or one Telegram paused, does not hold up the others", async () => {
    const OTHER = -100456;
    tg.addChat({ id: OTHER, type: "supergroup", title: "Khác", members: new Map() });
    await repos.subscriptions.subscribe({ chatId: OTHER, chatType: "supergroup" }, "all");
    await repos.settings.setBulletin(GROUP, { mode: "also" }, vn("2026-12-03T00:00:00"));
    await repos.settings.setBulletin(OTHER, { mode: "also" }, vn("2026-12-03T00:00:00"));
    // Stored by an older release, or a zone since removed from the runtime's database.
    await store.db
      .updateTable("chat_settings")
      .set({ time_zone: "Mars/Olympus" })
      .where("chat_id", "=", GROUP)
      .execute();
    await storeAt(vn("2026-12-03T05:00:00"), [article("a")]);
    clock = vn("2026-12-03T06:30:00");
    expect(await scheduler().tick()).toBe(1);
    expect(tg.sentTo(OTHER)).toHaveLength(1);
    expect(bulletins()).toHaveLength(0);
    // A 429 pause of one chat: its slot waits (not even claimed), the other chats go on at once.
    await store.db
      .updateTable("chat_settings")
      .set({ time_zone: null })
      .where("chat_id", "=", GROUP)
      .execute();
    budget.restorePause(GROUP, Date.now() + 60_000);
    await storeAt(vn("2026-12-03T12:00:00"), [article("b")]);
    clock = vn("2026-12-03T18:30:00");
    const started = Date.now();
    expect(await scheduler().tick()).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(tg.sentTo(OTHER)).toHaveLength(2);
    expect(
      await store.db.selectFrom("bulletins").select("status").where("chat_id", "=", GROUP).execute(),
    ).toEqual([]);
  });

  it("a day that DST makes 25 hours long is one period: nothing falls between two bulletins", async () => {
    await repos.settings.setTimeZone(GROUP, "Europe/Berlin", 0);
    await repos.settings.setBulletin(
      GROUP,
      { mode: "only", times: [6 * 60 + 30] },
      Date.parse("2026-10-23T12:00:00+02:00"),
    );
    clock = Date.parse("2026-10-24T06:30:00+02:00");
    await storeAt(clock - 3_600_000, [article("a")]);
    expect(await scheduler().tick()).toBe(1);
    // Stored a quarter of an hour after Saturday's bulletin; Sunday 06:30 is CET, 25 hours on.
    await storeAt(Date.parse("2026-10-24T06:45:00+02:00"), [article("b")]);
    clock = Date.parse("2026-10-25T06:30:00+01:00");
    expect(await scheduler().tick()).toBe(1);
    expect(bulletins()[1]?.text).toContain("Tin b:");
  });
});
