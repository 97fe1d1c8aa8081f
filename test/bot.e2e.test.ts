import { Api } from "grammy";
import { afterEach, describe, expect, it } from "vitest";
import { nextSlot } from "../src/domain/bulletin.js";
import { termId } from "../src/telegram/features/filter.js";
import { ADMIN, BOT_ADMIN, type Harness, MEMBER, startHarness, story } from "./bot-harness.js";
import { rss } from "./fakes/feed-server.js";
import { telegramParse } from "./fakes/telegram-html.js";
import { BOT_ID, TOKEN } from "./fakes/telegram-server.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const GROUP = -1001;
const lastText = (chatId: number) => h.tg.sentTo(chatId).at(-1)?.text ?? "";

async function subscribeGroup(chatId: number, extra: Record<string, unknown> = {}) {
  h.tg.addChat({
    id: chatId,
    type: "supergroup",
    title: `Nhóm ${chatId}`,
    members: new Map([
      [ADMIN, "administrator"],
      [MEMBER, "member"],
    ]),
    ...extra,
  });
  const before = h.tg.sentTo(chatId).length;
  h.tg.message(chatId, ADMIN, "/subscribe");
  await h.tg.waitFor(() => h.tg.sentTo(chatId).length > before, 5000, `subscribe reply in ${chatId}`);
  expect(lastText(chatId)).toContain("Đã đăng ký");
}

describe("bot end to end (fake Bot API over HTTP)", () => {
  it("sets command menus in vi and en for everyone and for admins", async () => {
    h = await startHarness();
    await h.app.runOnce();
    const scopes = h.tg.commands.map(
      (c) => `${(c.scope as { type: string }).type}/${c.language_code ?? "-"}`,
    );
    expect(scopes).toEqual(
      expect.arrayContaining([
        "default/-",
        "default/vi",
        "default/en",
        "all_chat_administrators/vi",
        "all_private_chats/en",
      ]),
    );
    const vi = h.tg.commands.find(
      (c) => c.language_code === "vi" && (c.scope as { type: string }).type === "default",
    );
    expect(
      ((vi?.commands ?? []) as Array<{ command: string; description: string }>).find(
        (c) => c.command === "latest",
      )?.description,
    ).toBe("Tin mới nhất");
  });

  it("admin subscribes a group → a new item → exactly one post", async () => {
    h = await startHarness();
    await h.app.runOnce(); // baseline: story 1 is known before anyone subscribes
    await subscribeGroup(GROUP);
    h.setItems([story(2), story(1)]);
    await h.app.runOnce();
    await h.tg.waitFor(() => h.tg.sentTo(GROUP).some((m) => m.text.includes("Tin số 2")), 5000, "the post");
    await h.app.runOnce();
    await new Promise((r) => setTimeout(r, 300));
    const posts = h.tg.sentTo(GROUP).filter((m) => m.text.includes("Tin số 2"));
    expect(posts).toHaveLength(1);
    expect(posts[0]?.parseMode).toBe("HTML");
    expect(posts[0]?.text).toContain("Đọc tiếp");
    expect(h.tg.sentTo(GROUP).some((m) => m.text.includes("Tin số 1:"))).toBe(false);
  });

  it("refuses a non-admin in a group, and says why", async () => {
    h = await startHarness();
    h.tg.addChat({ id: GROUP, type: "supergroup", members: new Map([[MEMBER, "member"]]) });
    h.tg.message(GROUP, MEMBER, "/subscribe");
    await h.tg.waitFor(() => h.tg.sentTo(GROUP).length > 0, 5000, "refusal");
    expect(lastText(GROUP)).toContain("Chỉ quản trị viên");
    expect(await h.app.repos.subscriptions.forChat(GROUP)).toEqual([]);
  });

  it("counts an anonymous admin posting as the group as an admin", async () => {
    h = await startHarness();
    await h.app.runOnce();
    h.tg.addChat({ id: GROUP, type: "supergroup" });
    h.tg.message(GROUP, 1087968824, "/subscribe", {
      sender_chat: { id: GROUP, type: "supergroup", title: "Nhóm" },
    });
    await h.tg.waitFor(() => h.tg.sentTo(GROUP).length > 0, 5000, "reply");
    expect(lastText(GROUP)).toContain("Đã đăng ký");
  });

  it("answers /latest in the same forum topic, with a per-user rate limit", async () => {
    h = await startHarness();
    h.setItems([story(3), story(2), story(1)]);
    await h.app.runOnce();
    h.tg.addChat({ id: GROUP, type: "supergroup", isForum: true });
    const topic = { is_topic_message: true, message_thread_id: 42 };
    h.tg.message(GROUP, MEMBER, "/latest 2 Hà Tĩnh", topic);
    await h.tg.waitFor(() => h.tg.sentTo(GROUP).length === 1, 5000, "latest");
    const reply = h.tg.sentTo(GROUP)[0];
    expect(reply?.threadId).toBe(42);
    expect(reply?.text).toContain("2 tin mới nhất — hatinh");
    expect(reply?.text).toMatch(/1\. <a href="https:\/\/tin.example\/3.html">Tin số 3/);
    expect(reply?.text).not.toContain("Tin số 1:");
    for (let i = 0; i < 4; i++) h.tg.message(GROUP, MEMBER, "/latest", topic);
    await h.tg.waitFor(
      () => h.tg.sentTo(GROUP).some((m) => m.text.includes("tối đa 3 lần trong 30 giây")),
      5000,
      "rate limit notice",
    );
    // The notice says when to try again, and is sent once per window, not once per message.
    h.tg.message(GROUP, MEMBER, "/latest 1", topic);
    h.tg.message(GROUP, MEMBER, "/help", topic);
    await h.tg.waitFor(() => lastText(GROUP).includes("Các lệnh"), 5000, "help after the limit");
    const notices = h.tg.sentTo(GROUP).filter((m) => m.text.includes("Hãy thử lại sau 30 giây"));
    expect(notices).toHaveLength(1);
  });

  it("/search finds stored stories without diacritics, in the same topic; says so when nothing matches", async () => {
    h = await startHarness();
    h.setItems([
      story(4, {
        title: "Tin số 4: Đà Nẵng đón khách du lịch",
        description: "<p>Khách đến thành phố tăng 20%.</p>",
      }),
      story(3, {
        title: "Tin số 3: Pha tinh bột đúng cách",
        description: "<p>Mẹo bếp cho gia đình bạn.</p>",
      }),
      story(2),
      story(1),
    ]);
    await h.app.runOnce();
    h.tg.addChat({ id: GROUP, type: "supergroup", isForum: true });
    const topic = { is_topic_message: true, message_thread_id: 42 };
    const ask = async (text: string, what: string) => {
      const before = h.tg.sentTo(GROUP).length;
      h.tg.message(GROUP, MEMBER, text, topic);
      await h.tg.waitFor(() => h.tg.sentTo(GROUP).length > before, 5000, what);
      return h.tg.sentTo(GROUP).at(-1);
    };
    const found = await ask("/search ha tinh", "results");
    expect(found?.threadId).toBe(42);
    expect(found?.text).toContain("2 tin cho “ha tinh”");
    expect(found?.text).toMatch(/1\. <a href="https:\/\/tin.example\/2.html">Tin số 2/);
    expect(found?.text).not.toContain("Pha tinh bột");
    expect((await ask("/search DA NANG", "results"))?.text).toContain("Đà Nẵng đón khách");
    expect((await ask("/search sao hỏa", "nothing"))?.text).toContain("Không tìm thấy tin nào cho “sao hỏa”");
  });

  it("/help lists what the person may use here, by role", async () => {
    h = await startHarness();
    h.tg.addChat({
      id: GROUP,
      type: "supergroup",
      members: new Map([
        [ADMIN, "administrator"],
        [MEMBER, "member"],
      ]),
    });
    const help = async (chat: number, from: number) => {
      const before = h.tg.sentTo(chat).length;
      h.tg.message(chat, from, "/help");
      await h.tg.waitFor(() => h.tg.sentTo(chat).length > before, 5000, "help");
      return lastText(chat);
    };
    const member = await help(GROUP, MEMBER);
    for (const c of ["/latest", "/search", "/feeds", "/language"]) expect(member).toContain(c);
    expect(member).toContain(
      "Quản trị viên nhóm có thêm /subscribe, /unsubscribe, /filter, /settings và /bulletin",
    );
    expect(member).not.toContain("/addfeed");
    const admin = await help(GROUP, ADMIN);
    for (const c of [
      "/subscribe",
      "/unsubscribe",
      "/filter",
      "/settings",
      "/bulletin",
      "/quiet",
      "/timezone",
    ])
      expect(admin).toContain(c);
    expect(admin).not.toContain("/addfeed");
    h.tg.addChat({ id: BOT_ADMIN, type: "private" });
    const botAdmin = await help(BOT_ADMIN, BOT_ADMIN);
    for (const c of ["/search", "/filter", "/addfeed", "/removefeed", "/stats"])
      expect(botAdmin).toContain(c);
  });

  it("rejects a bad /latest argument with a clear message", async () => {
    h = await startHarness();
    h.tg.addChat({ id: 5, type: "private" });
    h.tg.message(5, 5, "/latest 500");
    await h.tg.waitFor(() => h.tg.sentTo(5).length === 1, 5000, "reply");
    expect(lastText(5)).toContain("từ 1 đến 20");
    h.tg.message(5, 5, "/latest 3 khongco");
    await h.tg.waitFor(() => h.tg.sentTo(5).length === 2, 5000, "reply");
    expect(lastText(5)).toContain("Không có nguồn tin “khongco”");
  });

  it("a 429 mid-fan-out pauses only that chat; every group gets the post once", async () => {
    h = await startHarness();
    await h.app.runOnce();
    const groups = [-2001, -2002, -2003, -2004, -2005];
    for (const g of groups) await subscribeGroup(g);
    const slow = h.tg.chats.get(-2003);
    if (slow) slow.forced429 = { times: 1, retryAfter: 2 };
    h.setItems([story(2), story(1)]);
    const t0 = Date.now();
    await h.app.runOnce();
    const got = (g: number) => h.tg.sentTo(g).filter((m) => m.text.includes("Tin số 2"));
    await h.tg.waitFor(
      () => groups.filter((g) => g !== -2003).every((g) => got(g).length === 1),
      5000,
      "the others",
    );
    expect(got(-2003)).toHaveLength(0);
    await h.tg.waitFor(() => got(-2003).length === 1, 8000, "the paused chat after retry_after");
    expect((got(-2003)[0]?.at ?? 0) - t0).toBeGreaterThanOrEqual(1900);
    for (const g of groups) expect(got(g)).toHaveLength(1);
    expect(h.app.worker?.stats().flood429).toBe(1);
  });

  it("drops a chat's subscriptions when the bot is kicked (403) or removed (my_chat_member)", async () => {
    h = await startHarness();
    await h.app.runOnce();
    await subscribeGroup(-3001);
    await subscribeGroup(-3002);
    const kicked = h.tg.chats.get(-3001);
    if (kicked) kicked.kicked = true;
    h.setItems([story(2), story(1)]);
    await h.app.runOnce();
    await h.tg.waitFor(
      () => h.tg.sentTo(-3002).some((m) => m.text.includes("Tin số 2")),
      5000,
      "the other group",
    );
    await h.tg.waitFor(() => h.app.worker?.stats().pending === 0, 5000, "queue empty");
    expect(await h.app.repos.subscriptions.forChat(-3001)).toEqual([]);
    h.tg.botStatusChange(-3002, ADMIN, "member", "kicked");
    await new Promise((r) => setTimeout(r, 500));
    expect(await h.app.repos.subscriptions.forChat(-3002)).toEqual([]);
  });

  it("follows a group upgraded to a supergroup and re-sends the post there", async () => {
    h = await startHarness();
    await h.app.runOnce();
    h.tg.addChat({ id: -4001, type: "group", members: new Map([[ADMIN, "administrator"]]) });
    h.tg.message(-4001, ADMIN, "/subscribe");
    await h.tg.waitFor(() => h.tg.sentTo(-4001).length === 1, 5000, "subscribed");
    h.tg.addChat({ id: -1004001, type: "supergroup" });
    const old = h.tg.chats.get(-4001);
    if (old) old.migrateTo = -1004001;
    h.setItems([story(2), story(1)]);
    await h.app.runOnce();
    await h.tg.waitFor(
      () => h.tg.sentTo(-1004001).some((m) => m.text.includes("Tin số 2")),
      5000,
      "post in the supergroup",
    );
    expect((await h.app.repos.subscriptions.forChat(-1004001)).length).toBe(1);
    expect(await h.app.repos.subscriptions.forChat(-4001)).toEqual([]);
  });

  it("sends a photo with a caption, and falls back to text when the photo is refused", async () => {
    h = await startHarness();
    await h.app.runOnce();
    await subscribeGroup(-5001);
    await subscribeGroup(-5002, { photoFails: true });
    h.setItems([story(2, { image: "https://tin.example/2.jpg" }), story(1)]);
    await h.app.runOnce();
    await h.tg.waitFor(() => h.tg.sentTo(-5001).some((m) => m.method === "sendPhoto"), 5000, "photo");
    await h.tg.waitFor(
      () => h.tg.sentTo(-5002).some((m) => m.text.includes("Tin số 2")),
      5000,
      "text fallback",
    );
    const photo = h.tg.sentTo(-5001).find((m) => m.method === "sendPhoto");
    expect(photo?.photo).toBe("https://tin.example/2.jpg");
    expect(photo?.text.length).toBeLessThanOrEqual(1024);
    expect(h.tg.sentTo(-5002).find((m) => m.text.includes("Tin số 2"))?.method).toBe("sendMessage");
  });

  it("sends a burst of waiting posts as one digest", async () => {
    h = await startHarness();
    await h.app.runOnce();
    await subscribeGroup(-6001);
    h.setItems([9, 8, 7, 6, 5, 4, 3, 2, 1].map((n) => story(n)));
    await h.app.runOnce();
    await h.tg.waitFor(() => h.tg.sentTo(-6001).some((m) => m.text.includes("8 tin mới")), 5000, "digest");
    await new Promise((r) => setTimeout(r, 1500));
    const posts = h.tg.sentTo(-6001).filter((m) => m.text.includes("Tin số"));
    expect(posts).toHaveLength(1);
    for (let n = 2; n <= 9; n++) expect(posts[0]?.text).toContain(`https://tin.example/${n}.html`);
  });

  it("subscribes a channel from a private chat only when both the user and the bot are its admins", async () => {
    h = await startHarness();
    await h.app.runOnce();
    h.tg.addChat({ id: ADMIN, type: "private" });
    h.tg.addChat({
      id: -1007001,
      type: "channel",
      username: "tin_ha_tinh",
      title: "Tin Hà Tĩnh",
      members: new Map([
        [ADMIN, "creator"],
        [BOT_ID, "administrator"],
      ]),
    });
    h.tg.addChat({
      id: -1007002,
      type: "channel",
      username: "khong_phai",
      title: "Khác",
      members: new Map([[BOT_ID, "administrator"]]),
    });
    h.tg.message(ADMIN, ADMIN, "/subscribe @tin_ha_tinh");
    await h.tg.waitFor(() => h.tg.sentTo(ADMIN).length === 1, 5000, "reply");
    expect(lastText(ADMIN)).toContain("Kênh Tin Hà Tĩnh đã đăng ký");
    expect((await h.app.repos.subscriptions.forChat(-1007001))[0]?.chatType).toBe("channel");
    h.tg.message(ADMIN, ADMIN, "/subscribe @khong_phai");
    await h.tg.waitFor(() => h.tg.sentTo(ADMIN).length === 2, 5000, "reply");
    expect(lastText(ADMIN)).toContain("không phải quản trị viên");
    // The request_chat button's answer is checked the same way.
    h.tg.message(ADMIN, ADMIN, "", { text: undefined, chat_shared: { request_id: 1, chat_id: -1007002 } });
    await h.tg.waitFor(() => h.tg.sentTo(ADMIN).length === 3, 5000, "reply");
    expect(await h.app.repos.subscriptions.forChat(-1007002)).toEqual([]);
    // What the channel receives, and the person's channels in private /feeds.
    h.tg.message(ADMIN, ADMIN, "/feeds @tin_ha_tinh");
    await h.tg.waitFor(() => lastText(ADMIN).includes("Kênh Tin Hà Tĩnh đang nhận"), 5000, "/feeds @channel");
    expect(lastText(ADMIN)).toContain("Kênh Tin Hà Tĩnh đang nhận: tất cả nguồn tin");
    h.tg.message(ADMIN, ADMIN, "/feeds @khong_phai");
    await h.tg.waitFor(() => lastText(ADMIN).includes("không phải quản trị viên"), 5000, "refused");
    h.tg.message(ADMIN, ADMIN, "/feeds");
    await h.tg.waitFor(() => lastText(ADMIN).includes("Kênh của bạn"), 5000, "my channels");
    expect(lastText(ADMIN)).toContain("• Tin Hà Tĩnh: tất cả nguồn tin");
  });

  it("/filter: includes and excludes, diacritic-insensitive on whole words, applied when posts are planned", async () => {
    h = await startHarness();
    await h.app.runOnce(); // baseline: story 1 is known
    await subscribeGroup(GROUP);
    const replies = () => h.tg.sentTo(GROUP).length;
    const ask = async (from: number, text: string, what: string) => {
      const before = replies();
      h.tg.message(GROUP, from, text);
      await h.tg.waitFor(() => replies() > before, 5000, what);
      return lastText(GROUP);
    };
    expect(await ask(MEMBER, "/filter +lũ", "refusal")).toContain("Chỉ quản trị viên");
    expect(await ask(ADMIN, "/filter +", "bad filter")).toContain("không có chữ hay số");
    const saved = await ask(ADMIN, "/filter +ha tinh, -Quảng Cáo", "saved");
    expect(saved).toContain("Đã lưu bộ lọc");
    expect(saved).toContain("Chỉ nhận tin có: ha tinh");
    expect(saved).toContain("Bỏ tin có: Quảng Cáo");
    h.setItems([
      story(4, { title: "Tin số 4: Hà Tĩnh: quảng cáo sai sự thật bị phạt" }),
      story(3, {
        title: "Tin số 3: Pha tinh bột đúng cách",
        description: "<p>Mẹo nấu ăn cho gia đình, làm bánh ngon hơn mỗi ngày.</p>",
      }),
      story(2, { title: "Tin số 2: Mưa lớn ở Hà Tĩnh" }),
      story(1),
    ]);
    await h.app.runOnce();
    await h.tg.waitFor(() => h.tg.sentTo(GROUP).some((m) => m.text.includes("Tin số 2")), 5000, "the post");
    // Planned in the cycle, before anything was sent: the filtered stories were never queued.
    const queued = await h.store.db
      .selectFrom("deliveries as d")
      .innerJoin("items as i", "i.id", "d.item_id")
      .select("i.title")
      .where("d.chat_id", "=", GROUP)
      .execute();
    expect(queued.map((r) => r.title)).toEqual(["Tin số 2: Mưa lớn ở Hà Tĩnh"]);
    // The list, with a button to remove each filter.
    const list = await ask(ADMIN, "/filter", "list");
    expect(list).toContain("Bộ lọc từ khóa");
    const listed = h.tg.sentTo(GROUP).at(-1);
    h.tg.callbackQuery(GROUP, ADMIN, `fl:${GROUP}:0:${termId("ha tinh")}`, listed?.messageId);
    await h.tg.waitFor(() => h.tg.calls.some((c) => c.method === "editMessageText"), 5000, "list edited");
    expect((await h.app.repos.filters.list({ chatId: GROUP })).map((f) => f.label)).toEqual(["Quảng Cáo"]);
    h.tg.callbackQuery(GROUP, MEMBER, `fl:${GROUP}:0:${termId("quang cao")}`, listed?.messageId);
    await h.tg.waitFor(
      () => h.tg.calls.filter((c) => c.method === "answerCallbackQuery").length === 2,
      5000,
      "refusal",
    );
    expect(h.tg.calls.filter((c) => c.method === "answerCallbackQuery")[1]?.params.text).toContain(
      "Chỉ quản trị viên",
    );
    expect(await ask(ADMIN, "/settings", "settings")).toContain("Bộ lọc: −Quảng Cáo");
    expect(await ask(ADMIN, "/filter off", "cleared")).toContain("Đã xóa 1 bộ lọc");
    expect(await h.app.repos.filters.list({ chatId: GROUP })).toEqual([]);
  });

  it("bulletin: /bulletin, /timezone and the /settings button; 'only' stops instant posts; the slot's bulletin comes with the clock moved", async () => {
    let clock = Date.now();
    h = await startHarness({ now: () => clock });
    await h.app.runOnce(); // baseline
    await subscribeGroup(GROUP);
    // What the reader sees: Telegram's parse of the HTML.
    const ask = async (text: string) => {
      const before = h.tg.sentTo(GROUP).length;
      h.tg.message(GROUP, ADMIN, text);
      await h.tg.waitFor(() => h.tg.sentTo(GROUP).length > before, 5000, text);
      const parsed = telegramParse(lastText(GROUP));
      return parsed.ok ? parsed.text : lastText(GROUP);
    };
    const off = await ask("/bulletin");
    expect(off).toContain("Bản tin đang tắt");
    expect(off).toContain("06:30, 18:30 (Asia/Ho_Chi_Minh)");
    expect(off).toContain("/bulletin only");
    expect(await ask("/bulletin only")).toContain(
      "Bản tin lúc 06:30, 18:30 (Asia/Ho_Chi_Minh), thay cho các tin tức thời",
    );
    expect(await ask("/bulletin 7 19:15")).toContain("Bản tin lúc 07:00, 19:15");
    expect(await ask("/bulletin sớm")).toContain("Không hiểu “sớm”");
    expect(await ask("/bulletin <b>&")).toContain("Không hiểu “<b>&”");
    expect(await ask("/timezone UTC-13")).toContain("Không biết múi giờ “UTC-13”");
    expect(await ask("/bulletin 1 2 3 4 5")).toContain("Tối đa 4 bản tin");
    expect(await ask("/timezone Mars/Olympus")).toContain("Không biết múi giờ “Mars/Olympus”");
    expect(await ask("/timezone asia/bangkok")).toContain("Đã đặt múi giờ Asia/Bangkok");
    expect(await ask("/timezone")).toContain("Asia/Bangkok");
    // A member may not change it.
    const before = h.tg.sentTo(GROUP).length;
    h.tg.message(GROUP, MEMBER, "/bulletin off");
    await h.tg.waitFor(() => h.tg.sentTo(GROUP).length > before, 5000, "refusal");
    expect(lastText(GROUP)).toContain("Chỉ quản trị viên");
    // /settings shows it and its button cycles only → off → with posts → only.
    const settings = await ask("/settings");
    expect(settings).toContain("Bản tin: thay tin · lúc 07:00, 19:15 (Asia/Bangkok)");
    expect(settings).toContain("• Bản tin:");
    const press = async () => {
      const n = h.tg.calls.filter((c) => c.method === "answerCallbackQuery").length;
      h.tg.callbackQuery(GROUP, ADMIN, `st:${GROUP}:bulletin`);
      await h.tg.waitFor(
        () => h.tg.calls.filter((c) => c.method === "answerCallbackQuery").length > n,
        5000,
        "press",
      );
      return (await h.app.repos.settings.get(GROUP)).bulletin;
    };
    expect([await press(), await press(), await press()]).toEqual([undefined, "also", "only"]);

    // Bulletin only: a new story is stored, and no post is planned for the group.
    h.setItems([story(2, { date: new Date().toUTCString() }), story(1)]);
    await h.app.runOnce();
    const planned = await h.store.db
      .selectFrom("deliveries")
      .select("id")
      .where("chat_id", "=", GROUP)
      .execute();
    expect(planned).toEqual([]);
    // At the next slot (Bangkok time), the bulletin brings it, once.
    const slot = nextSlot([7 * 60, 19 * 60 + 15], "Asia/Bangkok", Date.now());
    clock = (slot?.at ?? 0) + 1000;
    expect(await h.app.bulletins?.tick()).toBe(1);
    expect(await h.app.bulletins?.tick()).toBe(0);
    const bulletin = h.tg.sentTo(GROUP).at(-1);
    expect(bulletin?.text).toMatch(/^<b>(☀️ Bản tin sáng|🌙 Bản tin tối) \d\d\/\d\d\/\d{4}<\/b>/);
    expect(bulletin?.text).toContain(
      '1. <a href="https://tin.example/2.html">Tin số 2: Hà Tĩnh triển khai dự án mới</a>',
    );
    expect(bulletin?.text).toContain("tỉnh Hà Tĩnh khởi công dự án số 2");
    expect(h.tg.sentTo(GROUP).filter((m) => m.text.includes("Tin số 2"))).toHaveLength(1);
  });

  it("post layouts per chat: photo, large preview card, compact; 'Đọc tiếp' as a link or a button; /quiet any hours", async () => {
    h = await startHarness();
    await h.app.runOnce(); // baseline
    await subscribeGroup(GROUP);
    const press = async (key: string) => {
      const before = h.tg.calls.filter((c) => c.method === "answerCallbackQuery").length;
      h.tg.callbackQuery(GROUP, ADMIN, `st:${GROUP}:${key}`);
      await h.tg.waitFor(
        () => h.tg.calls.filter((c) => c.method === "answerCallbackQuery").length > before,
        5000,
        `press ${key}`,
      );
    };
    const postOf = async (n: number) => {
      h.setItems([story(n, { image: `https://tin.example/${n}.jpg` }), story(1)]);
      await h.app.runOnce();
      await h.tg.waitFor(
        () => h.tg.calls.some((c) => JSON.stringify(c.params).includes(`Tin số ${n}`)),
        5000,
        `post ${n}`,
      );
      return h.tg.calls.find((c) => JSON.stringify(c.params).includes(`Tin số ${n}`))!;
    };
    const settingsText = async () => {
      const before = h.tg.sentTo(GROUP).length;
      h.tg.message(GROUP, ADMIN, "/settings");
      await h.tg.waitFor(() => h.tg.sentTo(GROUP).length > before, 5000, "settings");
      return lastText(GROUP);
    };
    // Each button is explained in one line.
    const help = await settingsText();
    for (const line of ["• Tóm tắt:", "• Kiểu bài:", "• Đọc tiếp:", "• Gửi im lặng:", "• Giờ yên lặng:"])
      expect(help).toContain(line);
    // Default: a photo post, "Đọc tiếp" a link in the caption.
    const photo = await postOf(2);
    expect(photo.method).toBe("sendPhoto");
    expect(String(photo.params.caption)).toContain("Đọc tiếp");
    // Card: text with Telegram's large preview of the article; the button instead of the link.
    await press("layout");
    await press("button");
    const card = await postOf(3);
    expect(card.method).toBe("sendMessage");
    expect(card.params.link_preview_options).toEqual({
      url: "https://tin.example/3.html",
      prefer_large_media: true,
    });
    expect(String(card.params.text)).not.toContain("Đọc tiếp");
    expect(JSON.stringify(card.params.reply_markup)).toContain('"url":"https://tin.example/3.html"');
    expect(JSON.stringify(card.params.reply_markup)).toContain("Đọc tiếp");
    // Compact: text only, no preview.
    await press("layout");
    const compact = await postOf(4);
    expect(compact.method).toBe("sendMessage");
    expect(compact.params.link_preview_options).toEqual({ is_disabled: true });
    // Back to photo after compact.
    await press("layout");
    expect((await h.app.repos.settings.get(GROUP)).images).toBe(true);
    // Quiet hours from any hour to any hour.
    const ask = async (text: string) => {
      const before = h.tg.sentTo(GROUP).length;
      h.tg.message(GROUP, ADMIN, text);
      await h.tg.waitFor(() => h.tg.sentTo(GROUP).length > before, 5000, text);
      return lastText(GROUP);
    };
    expect(await ask("/quiet 21 5")).toContain("từ 21h đến 5h");
    expect((await h.app.repos.settings.get(GROUP)).quiet).toEqual({ start: 21, end: 5 });
    expect(await ask("/quiet 25 3")).toContain("Cách dùng: /quiet 22 6");
    expect(await ask("/quiet off")).toContain("Đã tắt giờ yên lặng");
    expect((await h.app.repos.settings.get(GROUP)).quiet).toBeUndefined();
  });

  it("a corrected title or lead edits the posted messages instead of posting again", async () => {
    h = await startHarness();
    await h.app.runOnce(); // baseline
    await subscribeGroup(GROUP);
    await subscribeGroup(-1002);
    h.setItems([story(2), story(1)]);
    await h.app.runOnce();
    await h.tg.waitFor(
      () => [GROUP, -1002].every((c) => h.tg.sentTo(c).some((m) => m.text.includes("Tin số 2"))),
      5000,
      "the posts",
    );
    // The edits Telegram accepted.
    const edits = () => h.tg.edits.filter((e) => e.method !== "deleteMessage");
    // Only white space and case, or only the date; or a teaser's lead (the stored text may be
    // the article page's): no edit (runOnce returns after the corrections of its read).
    h.setItems([story(2, { title: "Tin số 2:  hà tĩnh triển khai dự án mới" }), story(1)]);
    await h.app.runOnce();
    h.setItems([story(2, { date: new Date(Date.UTC(2026, 10, 1, 5)).toUTCString() }), story(1)]);
    await h.app.runOnce();
    h.setItems([story(2, { description: "<p>Một đoạn giới thiệu khác, ngắn.</p>" }), story(1)]);
    await h.app.runOnce();
    expect(edits()).toEqual([]);
    // A real correction of the title: each posted message is edited, nothing posted anew; an
    // edit Telegram answers with 429 is made after the wait it asked for.
    const chat = h.tg.chats.get(GROUP);
    if (chat) chat.forced429 = { times: 1, retryAfter: 1 };
    h.setItems([story(2, { title: "Tin số 2: Hà Tĩnh khởi công dự án 512 tỷ đồng" }), story(1)]);
    await h.app.runOnce();
    expect(chat?.forced429?.times ?? 0).toBe(0);
    expect(
      edits()
        .map((e) => e.chatId)
        .sort(),
    ).toEqual([-1002, GROUP].sort());
    for (const chat of [GROUP, -1002]) {
      const posts = h.tg.sentTo(chat).filter((m) => m.text.includes("Tin số 2"));
      expect(posts).toHaveLength(1);
      expect(posts[0]?.text).toContain("khởi công dự án 512 tỷ đồng");
    }
    // A message deleted meanwhile is not an error: the next correction goes on for the others.
    const gone = h.tg.sentTo(-1002).find((m) => m.text.includes("Tin số 2"));
    await new Api(TOKEN, { apiRoot: h.tg.apiRoot }).deleteMessage(-1002, gone!.messageId);
    h.setItems([
      story(2, {
        title: "Tin số 2: Hà Tĩnh khởi công dự án 512 tỷ đồng",
        description: `<p>Sáng 28/11, tỉnh Hà Tĩnh khởi công dự án số 2, tổng vốn 600 tỷ đồng.</p><p>${"Dự án gồm nhiều hạng mục. ".repeat(25)}</p>`,
      }),
      story(1),
    ]);
    await h.app.runOnce();
    expect(edits().filter((e) => e.chatId === GROUP)).toHaveLength(2);
    expect(h.tg.sentTo(GROUP).find((m) => m.text.includes("Tin số 2"))?.text).toContain("600 tỷ đồng");
    expect((await h.app.repos.items.recent(["hatinh"], 1))[0]?.title).toContain("512 tỷ đồng");
  });

  it("changes settings with the inline keyboard, admins only", async () => {
    h = await startHarness();
    await subscribeGroup(GROUP);
    h.tg.message(GROUP, ADMIN, "/settings");
    await h.tg.waitFor(() => lastText(GROUP).includes("Cài đặt"), 5000, "settings");
    const press = (from: number, data: string) =>
      h.tg.push({
        callback_query: {
          id: String(Math.random()),
          from: { id: from, is_bot: false, first_name: "U" },
          chat_instance: "1",
          data,
          message: { message_id: 1, date: 0, chat: { id: GROUP, type: "supergroup", title: "x" }, text: "x" },
        },
      });
    press(ADMIN, `st:${GROUP}:images`);
    await h.tg.waitFor(
      () => h.tg.calls.some((c) => c.method === "editMessageReplyMarkup"),
      5000,
      "keyboard update",
    );
    const settings = await h.app.repos.settings.get(GROUP);
    expect(settings.images).toBe(false);
    press(MEMBER, `st:${GROUP}:silent`);
    await h.tg.waitFor(
      () => h.tg.calls.filter((c) => c.method === "answerCallbackQuery").length === 2,
      5000,
      "refusal",
    );
    const refusal = h.tg.calls.filter((c) => c.method === "answerCallbackQuery")[1];
    expect(refusal?.params.text).toContain("Chỉ quản trị viên");
  });

  it("refuses a feed whose name folds to an existing one's or whose URL is already a feed; /removefeed takes names as typed", async () => {
    h = await startHarness();
    h.tg.addChat({ id: BOT_ADMIN, type: "private" });
    const ask = async (text: string, what: string) => {
      const before = h.tg.sentTo(BOT_ADMIN).length;
      h.tg.message(BOT_ADMIN, BOT_ADMIN, text);
      await h.tg.waitFor(() => h.tg.sentTo(BOT_ADMIN).length > before, 5000, what);
      return lastText(BOT_ADMIN);
    };
    expect(await ask("/addfeed https://other.example/rss Hà-Tĩnh", "name taken")).toContain(
      "trùng với nguồn “hatinh”",
    );
    expect(await ask(`/addfeed ${h.feeds.url("/rss")}/ tinmoi`, "url taken")).toContain(
      "đã có trong nguồn “hatinh”",
    );
    expect((await h.app.repos.feeds.all()).map((f) => f.name)).toEqual(["hatinh"]);
    expect(await ask("/removefeed Hà Tĩnh", "removed")).toContain("Đã gỡ nguồn <b>hatinh</b>");
    expect(await h.app.repos.feeds.all()).toEqual([]);
  });

  it("keeps /addfeed to bot admins and validates the feed with the SSRF guard", async () => {
    h = await startHarness();
    h.tg.addChat({ id: MEMBER, type: "private" });
    h.tg.addChat({ id: BOT_ADMIN, type: "private" });
    h.tg.message(MEMBER, MEMBER, "/addfeed https://x.example/rss");
    await h.tg.waitFor(() => h.tg.sentTo(MEMBER).length === 1, 5000, "refusal");
    expect(lastText(MEMBER)).toContain("chỉ dành cho quản trị viên của bot");
    h.tg.message(BOT_ADMIN, BOT_ADMIN, `/addfeed ${h.feeds.url("/rss2")} noibo`);
    await h.tg.waitFor(() => h.tg.sentTo(BOT_ADMIN).length === 2, 5000, "result");
    expect(lastText(BOT_ADMIN)).toContain("Không đọc được nguồn tin");
    expect(lastText(BOT_ADMIN)).toContain("địa chỉ trỏ vào mạng nội bộ");
    h.tg.message(BOT_ADMIN, BOT_ADMIN, "/addfeed");
    await h.tg.waitFor(() => h.tg.sentTo(BOT_ADMIN).length === 3, 5000, "usage");
    expect(lastText(BOT_ADMIN)).toContain("/addfeed <url>");
    h.tg.message(BOT_ADMIN, BOT_ADMIN, "/addfeed https://x.example/rss tin article=sometimes");
    await h.tg.waitFor(() => h.tg.sentTo(BOT_ADMIN).length === 4, 5000, "bad option");
    expect(lastText(BOT_ADMIN)).toContain("Tùy chọn không hợp lệ: article=sometimes");
  });

  it("answers in English for an English user after /language", async () => {
    h = await startHarness();
    h.tg.addChat({ id: 7, type: "private" });
    h.tg.push({
      callback_query: {
        id: "1",
        from: { id: 7, is_bot: false, first_name: "E" },
        chat_instance: "1",
        data: "lang:en",
        message: { message_id: 1, date: 0, chat: { id: 7, type: "private", first_name: "E" }, text: "x" },
      },
    });
    await h.tg.waitFor(() => h.tg.calls.some((c) => c.method === "editMessageText"), 5000, "language set");
    h.tg.message(7, 7, "/start");
    await h.tg.waitFor(() => h.tg.sentTo(7).length === 1, 5000, "start");
    expect(lastText(7)).toContain("Hello! I am");
  });
});

describe("bot end to end: more commands and failures", () => {
  it("posts into the forum topic a subscription was made in", async () => {
    h = await startHarness();
    await h.app.runOnce();
    h.tg.addChat({
      id: GROUP,
      type: "supergroup",
      isForum: true,
      members: new Map([[ADMIN, "administrator"]]),
    });
    h.tg.message(GROUP, ADMIN, "/subscribe HA-TINH", { is_topic_message: true, message_thread_id: 77 });
    await h.tg.waitFor(() => h.tg.sentTo(GROUP).length === 1, 5000, "reply");
    expect(h.tg.sentTo(GROUP)[0]?.threadId).toBe(77);
    expect((await h.app.repos.subscriptions.get(GROUP, 77))?.feeds).toEqual(["hatinh"]);
    h.setItems([story(2), story(1)]);
    await h.app.runOnce();
    await h.tg.waitFor(() => h.tg.sentTo(GROUP).some((m) => m.text.includes("Tin số 2")), 5000, "post");
    expect(h.tg.sentTo(GROUP).find((m) => m.text.includes("Tin số 2"))?.threadId).toBe(77);
  });

  it("/feeds shows each source's status; /unsubscribe stops the posts", async () => {
    h = await startHarness();
    await h.app.runOnce();
    await subscribeGroup(GROUP);
    h.tg.message(GROUP, MEMBER, "/feeds");
    await h.tg.waitFor(() => lastText(GROUP).includes("Nguồn tin"), 5000, "feeds");
    expect(lastText(GROUP)).toContain("<b>hatinh</b> — Báo Hà Tĩnh");
    expect(lastText(GROUP)).toMatch(/✅ đọc lúc \d{2}\/\d{2}\/\d{4} \d{2}:\d{2} · 1 tin/);
    expect(lastText(GROUP)).toContain("đang nhận: tất cả nguồn tin");
    h.tg.message(GROUP, MEMBER, "/unsubscribe");
    await h.tg.waitFor(() => lastText(GROUP).includes("Chỉ quản trị viên"), 5000, "refusal");
    h.tg.message(GROUP, ADMIN, "/unsubscribe");
    await h.tg.waitFor(() => lastText(GROUP).includes("Hủy <b>tất cả</b>?"), 5000, "confirmation asked");
    expect(await h.app.repos.subscriptions.forChat(GROUP)).toHaveLength(1);
    h.tg.callbackQuery(GROUP, ADMIN, `ua:${GROUP}:0:yes`, h.tg.sentTo(GROUP).at(-1)?.messageId);
    await h.tg.waitFor(() => lastText(GROUP).includes("Đã hủy đăng ký"), 5000, "unsubscribed");
    h.setItems([story(2), story(1)]);
    await h.app.runOnce();
    await new Promise((r) => setTimeout(r, 300));
    expect(h.tg.sentTo(GROUP).some((m) => m.text.includes("Tin số 2"))).toBe(false);
  });

  it("greets a group when added, and refuses an unknown feed name", async () => {
    h = await startHarness();
    h.tg.addChat({ id: GROUP, type: "supergroup", members: new Map([[ADMIN, "administrator"]]) });
    h.tg.botStatusChange(GROUP, ADMIN, "left", "member");
    await h.tg.waitFor(() => lastText(GROUP).includes("Cảm ơn đã thêm"), 5000, "greeting");
    h.tg.message(GROUP, ADMIN, "/subscribe khongco");
    await h.tg.waitFor(() => lastText(GROUP).includes("Không có nguồn tin “khongco”"), 5000, "refusal");
  });

  it("/removefeed and /stats for bot admins", async () => {
    h = await startHarness();
    await h.app.runOnce();
    h.tg.addChat({ id: BOT_ADMIN, type: "private" });
    h.tg.message(BOT_ADMIN, BOT_ADMIN, "/stats");
    await h.tg.waitFor(() => lastText(BOT_ADMIN).includes("Thống kê"), 5000, "stats");
    expect(lastText(BOT_ADMIN)).toContain("Nguồn tin: 1");
    h.tg.message(BOT_ADMIN, BOT_ADMIN, "/removefeed hatinh");
    await h.tg.waitFor(() => lastText(BOT_ADMIN).includes("Đã gỡ nguồn"), 5000, "removed");
    expect(await h.app.repos.feeds.all()).toEqual([]);
  });

  it("retries a 5xx with backoff and re-sends a rejected HTML post as plain text", async () => {
    h = await startHarness();
    await h.app.runOnce();
    await subscribeGroup(-9001);
    await subscribeGroup(-9002);
    Object.assign(h.tg.chats.get(-9001) ?? {}, { fail5xx: 1 });
    Object.assign(h.tg.chats.get(-9002) ?? {}, { rejectHtml: true });
    h.setItems([story(2), story(1)]);
    await h.app.runOnce();
    await h.tg.waitFor(
      () => h.tg.sentTo(-9002).some((m) => m.text.includes("Tin số 2")),
      5000,
      "plain text fallback",
    );
    const plain = h.tg.sentTo(-9002).find((m) => m.text.includes("Tin số 2"));
    expect(plain?.parseMode).toBeUndefined();
    expect(plain?.text).toContain("Đọc tiếp: https://tin.example/2.html");
    await h.tg.waitFor(
      () => h.tg.sentTo(-9001).some((m) => m.text.includes("Tin số 2")),
      8000,
      "delivery after the 5xx",
    );
    expect(h.app.worker?.stats().retries).toBe(1);
    expect(h.tg.sentTo(-9001).filter((m) => m.text.includes("Tin số 2"))).toHaveLength(1);
  });
});

describe("story identity across the feeds of a site", () => {
  it("the same article in two feeds is posted once per chat; two articles sharing a guid are both posted", async () => {
    const feedA: ReturnType<typeof story>[] = [story(1)];
    const feedB: ReturnType<typeof story>[] = [story(1, { guid: "b-1" })];
    h = await startHarness({
      env: (feeds) => {
        feeds.route("/a", (_req, res) => void res.writeHead(200).end(rss(feedA, "Báo A - Thời sự")));
        feeds.route("/b", (_req, res) => void res.writeHead(200).end(rss(feedB, "Báo A - Xã hội")));
        return { FEEDS: `thoisu=${feeds.url("/a")},xahoi=${feeds.url("/b")}` };
      },
    });
    await h.app.runOnce(); // baseline
    await subscribeGroup(GROUP);
    // Story 2 is in both feeds (same link, each feed its own guid); "g3" is a guid both feeds
    // use for two different articles.
    feedA.unshift(story(2, { guid: "a-2" }), story(3, { guid: "g3", link: "https://tin.example/a3.html" }));
    feedB.unshift(story(2, { guid: "b-2" }), story(4, { guid: "g3", link: "https://tin.example/b4.html" }));
    await h.app.runOnce();
    await h.app.worker?.drained();
    await h.tg.waitFor(
      () => h.tg.sentTo(GROUP).filter((m) => m.text.includes("Tin số")).length >= 3,
      10_000,
      "the posts",
    );
    await h.app.worker?.drained();
    const posts = h.tg.sentTo(GROUP).filter((m) => m.text.includes("Tin số"));
    expect(posts.filter((m) => m.text.includes("Tin số 2:"))).toHaveLength(1);
    expect(posts.filter((m) => m.text.includes("Tin số 3:"))).toHaveLength(1);
    expect(posts.filter((m) => m.text.includes("Tin số 4:"))).toHaveLength(1);
    expect(posts).toHaveLength(3);
  });
});
