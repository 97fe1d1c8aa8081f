import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { parseOpml, serializeOpml } from "../src/feeds/opml.js";
import { BOT_ADMIN, type Harness, MEMBER, startHarness } from "./bot-harness.js";
import { telegramParse } from "./fakes/telegram-html.js";
import { tempDir } from "./helpers.js";
import { opmlFixture, serveNewsroom } from "./opml-fixtures.js";

let h: Harness | undefined;
let other: Harness | undefined;
afterEach(async () => {
  await h?.close();
  await other?.close();
  h = other = undefined;
});
const dir = tempDir();
afterAll(() => dir.cleanup());

/** The harness with the newsroom feeds served; its OPML file. */
async function start(env: Record<string, string> = {}): Promise<{ h: Harness; opml: string }> {
  const harness = await startHarness({ env: { ALLOW_PRIVATE_FEEDS: "true", ...env } });
  harness.tg.addChat({ id: BOT_ADMIN, type: "private" });
  harness.tg.addChat({ id: MEMBER, type: "private" });
  return { h: harness, opml: serveNewsroom(harness.feeds) };
}

/** What Telegram shows of an HTML message; throws when Telegram would refuse it. */
function shown(html: string): string {
  const parsed = telegramParse(html);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.text;
}

const texts = (hh: Harness, chat: number) => hh.tg.sentTo(chat).map((m) => m.text);

/** Sends a file to the bot and waits for the preview (the message after "⏳"). */
async function sendFile(hh: Harness, content: string | Buffer, name = "nguon.opml", from = BOT_ADMIN) {
  const before = hh.tg.sentTo(from).length;
  const doc = hh.tg.addFile(content, name);
  hh.tg.documentMessage(from, from, doc);
  await hh.tg.waitFor(
    () =>
      hh.tg
        .sentTo(from)
        .slice(before)
        .some((m) => !m.text.startsWith("⏳")),
    10_000,
    "the import's answer",
  );
  return hh.tg.sentTo(from).at(-1)?.text ?? "";
}

/** The inline buttons under the bot's last message to a chat that had some. */
function buttons(hh: Harness, chat: number): Array<{ text: string; data: string }> {
  const call = hh.tg.calls
    .filter((c) => c.method === "sendMessage" && Number(c.params.chat_id) === chat && c.params.reply_markup)
    .at(-1);
  const markup = call?.params.reply_markup;
  const parsed = (typeof markup === "string" ? JSON.parse(markup) : markup) as {
    inline_keyboard: Array<Array<{ text: string; callback_data: string }>>;
  };
  return parsed.inline_keyboard.flat().map((b) => ({ text: b.text, data: b.callback_data }));
}

async function press(hh: Harness, data: string) {
  const answers = hh.tg.callbackAnswers.length;
  const id = hh.tg.callbackQuery(BOT_ADMIN, BOT_ADMIN, data);
  await hh.tg.waitFor(
    () => hh.tg.callbackAnswers.some((a) => a.callbackQueryId === id),
    10_000,
    "the answer",
  );
  return hh.tg.callbackAnswers.slice(answers).find((a) => a.callbackQueryId === id)?.text ?? "";
}

describe("OPML through the bot (fake Bot API)", () => {
  it("previews a file grouped, then the button adds the new feeds once, even tapped twice", async () => {
    ({ h } = await start());
    const preview = await sendFile(
      h,
      opmlFixture("newsroom.opml").toString().replaceAll("{{BASE}}", h.feeds.url("").replace(/\/$/, "")),
    );
    expect(texts(h, BOT_ADMIN)[0]).toContain("⏳ Đang đọc thử các nguồn mới trong 7 nguồn của tệp");
    const visible = shown(preview);
    expect(visible).toContain("nguon.opml: 7 nguồn trong tệp.");
    expect(visible).toContain("Mới, sẽ thêm (2):\n• 127-thoi-su — Thời sự Hà Tĩnh ·");
    expect(visible).toContain("• 127-kinh-te — Kinh tế ·");
    expect(visible).toContain("Đã có (2):\n• Báo Hà Tĩnh → hatinh\n• Thời sự (bản sao) (lặp lại trong tệp)");
    expect(visible).toContain("Không đọc được (3):");
    expect(visible).toContain("• Chỉ có trang chủ: không có địa chỉ nguồn tin (xmlUrl)");
    expect(visible).toContain("• Trang web, không phải RSS: đây không phải nguồn RSS, Atom hay JSON Feed");
    expect(visible).toContain("• Đã gỡ khỏi trang: máy chủ trả lỗi HTTP 404");
    expect(visible).toContain("Giới hạn: tệp tối đa 1 MB, 300 nguồn");
    expect(visible).not.toContain("Bị chặn");
    const [ok, cancel] = buttons(h, BOT_ADMIN);
    expect(ok?.text).toBe("➕ Thêm 2 nguồn");
    expect(cancel?.text).toBe("Hủy");
    expect((await h.app.repos.feeds.all()).map((f) => f.name)).toEqual(["hatinh"]); // nothing before the button
    const [first, second] = await Promise.all([press(h, ok?.data ?? ""), press(h, ok?.data ?? "")]);
    expect([first, second].sort()).toEqual(["ℹ️ Danh sách này đã được thêm rồi.", "⏳ Đang thêm…"]);
    await h.tg.waitFor(
      () => texts(h as Harness, BOT_ADMIN).some((t) => t.startsWith("✅ Đã thêm")),
      5000,
      "the result",
    );
    expect(texts(h, BOT_ADMIN).filter((t) => t.startsWith("✅ Đã thêm"))).toEqual([
      "✅ Đã thêm 2 nguồn: <b>127-thoi-su</b>, <b>127-kinh-te</b>. Các nhóm đăng ký “tất cả” sẽ nhận tin mới từ các nguồn này.",
    ]);
    expect((await h.app.repos.feeds.all()).map((f) => f.name)).toEqual([
      "hatinh",
      "127-thoi-su",
      "127-kinh-te",
    ]);
    // The buttons went; a later tap is told why nothing happens, and Cancel no longer cancels.
    expect(h.tg.calls.some((c) => c.method === "editMessageReplyMarkup")).toBe(true);
    expect(await press(h, cancel?.data ?? "")).toBe("ℹ️ Danh sách này đã được thêm rồi.");
    // The file came through getFile and the file endpoint (the token only in that path).
    expect(h.tg.calls.filter((c) => c.method === "getFile")).toHaveLength(1);
    expect(h.tg.fileDownloads).toEqual(["documents/file_1.opml"]);
  }, 30_000);

  it("keeps the pending import in the database: the button works after a restart", async () => {
    const store = `sqlite://${join(dir.path, "restart.sqlite")}`;
    let opml: string;
    ({ h, opml } = await start({ STORE_URL: store }));
    await sendFile(h, opml);
    const [ok] = buttons(h, BOT_ADMIN);
    await h.close();
    h = undefined;
    // A new process (and a new Bot API fake: nothing in memory survives) on the same store.
    ({ h: other } = await start({ STORE_URL: store }));
    // This fake numbers its updates from 1 again, and the store remembers the ids handled:
    // throwaway messages until one is answered move past them.
    for (let n = 1; other.tg.sentTo(MEMBER).length === 0 && n <= 5; n++) {
      other.tg.message(MEMBER, MEMBER, "/start");
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(await press(other, ok?.data ?? "")).toBe("⏳ Đang thêm…");
    await other.tg.waitFor(
      () => texts(other as Harness, BOT_ADMIN).some((t) => t.startsWith("✅")),
      5000,
      "added",
    );
    expect((await other.app.repos.feeds.all()).map((f) => f.name)).toEqual([
      "hatinh",
      "127-thoi-su",
      "127-kinh-te",
    ]);
  }, 30_000);

  it("/import in reply to a file; Cancel adds nothing; only bot admins, only in private", async () => {
    let opml: string;
    ({ h, opml } = await start());
    const doc = h.tg.addFile(opml, "feeds.xml"); // not named .opml: taken only through /import
    const sent = h.tg.documentMessage(BOT_ADMIN, BOT_ADMIN, doc);
    await new Promise((r) => setTimeout(r, 200));
    expect(h.tg.sentTo(BOT_ADMIN)).toHaveLength(0);
    h.tg.message(BOT_ADMIN, BOT_ADMIN, "/import", { reply_to_message: sent });
    await h.tg.waitFor(
      () => texts(h as Harness, BOT_ADMIN).some((t) => t.includes("Mới, sẽ thêm")),
      10_000,
      "preview",
    );
    const [, cancel] = buttons(h, BOT_ADMIN);
    expect(await press(h, cancel?.data ?? "")).toBe("👍 Đã hủy, không thêm nguồn nào.");
    expect((await h.app.repos.feeds.all()).map((f) => f.name)).toEqual(["hatinh"]);
    h.tg.message(BOT_ADMIN, BOT_ADMIN, "/import");
    await h.tg.waitFor(
      () =>
        texts(h as Harness, BOT_ADMIN)
          .at(-1)
          ?.includes("trả lời tệp đó bằng /import") ?? false,
      5000,
      "usage",
    );
    // A member's file is none of the bot's business; a member's /import is refused.
    h.tg.documentMessage(MEMBER, MEMBER, h.tg.addFile(opml, "nguon.opml"));
    h.tg.message(MEMBER, MEMBER, "/import");
    await h.tg.waitFor(() => h?.tg.sentTo(MEMBER).length === 1, 5000, "refusal");
    expect(texts(h, MEMBER)).toEqual(["⛔ Lệnh này chỉ dành cho quản trị viên của bot."]);
    h.tg.addChat({ id: -5001, type: "supergroup" });
    h.tg.message(-5001, BOT_ADMIN, "/import");
    await h.tg.waitFor(() => h?.tg.sentTo(-5001).length === 1, 5000, "private only");
    expect(texts(h, -5001)).toEqual(["Dùng lệnh này trong chat riêng với bot."]);
  }, 30_000);

  it("lists feeds refused by the SSRF guard when ALLOW_PRIVATE_FEEDS is off", async () => {
    let opml: string;
    ({ h, opml } = await start({ ALLOW_PRIVATE_FEEDS: "false" }));
    const visible = shown(await sendFile(h, opml));
    expect(visible).toContain("Bị chặn, địa chỉ trỏ vào mạng nội bộ (4):");
    expect(visible).toContain("Không có nguồn mới nào để thêm.");
    expect(h.tg.calls.filter((c) => c.method === "sendMessage" && c.params.reply_markup)).toHaveLength(0);
  }, 30_000);

  it("refuses a broken, a foreign or a too large file, and keeps a long preview within Telegram's limit", async () => {
    ({ h } = await start());
    expect(await sendFile(h, opmlFixture("truncated.opml"))).toBe(
      "❌ Không đọc được tệp OPML: tệp hỏng ở dòng 6: một thẻ không được đóng (tệp có bị cắt ngang không?). Không có nguồn nào được thêm.",
    );
    expect(await sendFile(h, opmlFixture("not-opml.xml"), "rss.opml")).toContain(
      "đây không phải tệp OPML (không có phần &lt;opml&gt;",
    );
    expect(await sendFile(h, Buffer.alloc(1024 * 1024 + 1, 32))).toBe(
      "❌ Tệp quá lớn (1025 KB); tối đa 1 MB.",
    );
    const many = (n: number) =>
      serializeOpml(
        "x",
        Array.from({ length: n }, (_, i) => ({
          title: `Trang số ${i} của một tòa soạn có tên rất dài`,
          htmlUrl: `https://x.example/${i}`,
        })),
      );
    expect(await sendFile(h, many(301))).toContain("tệp có hơn 300 nguồn; hãy chia thành nhiều tệp");
    const long = await sendFile(h, many(300));
    const visible = shown(long);
    expect(visible.length).toBeLessThanOrEqual(4096);
    expect(visible).toContain("Không đọc được (300):");
    expect(visible).toMatch(/… và \d+ nguồn khác/);
  }, 30_000);

  it("/export sends the list as an OPML file: full addresses to a bot admin in private only", async () => {
    ({ h } = await start());
    await h.app.runOnce(); // the feed's own title, from its first read
    await h.app.repos.feeds.add({
      name: "thoisu",
      url: `${h.feeds.url("/thoi-su.rss")}?a=1&b=2`,
      kind: "http",
      label: "Thời sự",
    });
    h.tg.message(BOT_ADMIN, BOT_ADMIN, "/export");
    await h.tg.waitFor(() => h?.tg.documents.length === 1, 5000, "the admin's file");
    const admin = h.tg.documents[0];
    expect(admin?.fileName).toMatch(/^bantin-\d{4}-\d{2}-\d{2}\.opml$/);
    expect(admin?.caption).toBe("📤 2 nguồn tin (OPML 2.0).");
    expect(
      parseOpml(admin?.content ?? Buffer.alloc(0)).entries.map((e) => [e.name, e.title, e.xmlUrl, e.htmlUrl]),
    ).toEqual([
      ["hatinh", "Báo Hà Tĩnh", h.feeds.url("/rss"), "https://tin.example/"],
      ["thoisu", "Thời sự", `${h.feeds.url("/thoi-su.rss")}?a=1&b=2`, undefined],
    ]);
    h.tg.message(MEMBER, MEMBER, "/export");
    await h.tg.waitFor(() => h?.tg.documents.length === 2, 5000, "the member's file");
    const member = h.tg.documents[1];
    expect(member?.caption).toContain("Địa chỉ RSS đầy đủ chỉ được gửi cho quản trị bot trong chat riêng.");
    const open = parseOpml(member?.content ?? Buffer.alloc(0)).entries;
    expect(open.map((e) => [e.name, e.xmlUrl])).toEqual([
      ["hatinh", undefined],
      ["thoisu", undefined],
    ]);
    expect(member?.content.toString()).not.toContain(h.feeds.url(""));
  }, 30_000);
});
