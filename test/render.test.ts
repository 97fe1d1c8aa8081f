import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { FeedItem } from "../src/domain/types.js";
import { checkTelegramHtml } from "../src/telegram/html.js";
import { CAPTION_LIMIT, formatDateTime, MESSAGE_LIMIT, renderPost } from "../src/telegram/render.js";

const base: FeedItem = {
  id: "1",
  feed: "hatinh",
  title: "Giá xăng giảm <mạnh> & đều",
  link: "https://baohatinh.example/a?x=1&y=2",
  text: "Từ 15h ngày 27/11, giá xăng RON 95-III giảm 420 đồng/lít. Đây là lần giảm thứ ba liên tiếp.",
  published: "2026-11-27T15:00:00+07:00",
  categories: ["Kinh tế"],
  source: "Báo Hà Tĩnh",
};
const opts = { language: "vi" as const, timeZone: "Asia/Ho_Chi_Minh", summaryChars: 600, withImage: true };

describe("renderPost", () => {
  it("lays out title, time · source · category, summary and a Vietnamese read-more link", () => {
    const post = renderPost(base, opts);
    expect(post.text).toBe(
      "<b>Giá xăng giảm &lt;mạnh&gt; &amp; đều</b>\n<i>27/11/2026 15:00 · Báo Hà Tĩnh · Kinh tế</i>\n\n" +
        "Từ 15h ngày 27/11, giá xăng RON 95-III giảm 420 đồng/lít. Đây là lần giảm thứ ba liên tiếp.\n\n" +
        '<a href="https://baohatinh.example/a?x=1&amp;y=2">Đọc tiếp →</a>',
    );
    expect(post.parseMode).toBe("HTML");
    expect(post.photo).toBeUndefined();
    expect(checkTelegramHtml(post.text).ok).toBe(true);
  });

  it("uses English labels for English chats", () => {
    expect(renderPost(base, { ...opts, language: "en" }).text).toContain(">Read more →</a>");
  });

  it("sends an image as a photo with a caption of at most 1024 characters", () => {
    const post = renderPost(
      { ...base, image: "https://baohatinh.example/a.jpg", text: "Câu rất dài. ".repeat(500) },
      opts,
    );
    expect(post.photo).toBe("https://baohatinh.example/a.jpg");
    expect(checkTelegramHtml(post.text).text.length).toBeLessThanOrEqual(CAPTION_LIMIT);
    const noImage = renderPost(
      { ...base, image: "https://baohatinh.example/a.jpg" },
      { ...opts, withImage: false },
    );
    expect(noImage.photo).toBeUndefined();
  });

  it("shows the time in the configured zone", () => {
    expect(formatDateTime("2024-02-29T01:30:00Z", "Asia/Ho_Chi_Minh")).toBe("29/02/2024 08:30");
    expect(formatDateTime("2024-02-29T01:30:00Z", "UTC")).toBe("29/02/2024 01:30");
    expect(formatDateTime("not a date", "UTC")).toBeUndefined();
  });
});

// Text generators that include what breaks naive formatters: HTML specials, entities,
// emoji (surrogate pairs), decomposed Vietnamese (combining marks), long words.
const nasty = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 200 }),
  fc.string({
    unit: fc.constantFrom(
      "<",
      ">",
      "&",
      "&amp;",
      "&nbsp;",
      '"',
      "'",
      "<b>",
      "</i>",
      " ",
      "\n",
      "😀",
      "Việt".normalize("NFD"),
      "ệ",
      "a",
      ".",
      "…",
    ),
    maxLength: 400,
  }),
  fc.string({ unit: "binary", maxLength: 300 }),
);

describe("renderPost properties", () => {
  it("always produces valid Telegram HTML within the limits", () => {
    fc.assert(
      fc.property(
        nasty,
        fc.array(nasty, { maxLength: 30 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 6000 }),
        (title, paragraphs, withImage, budget) => {
          const item: FeedItem = {
            ...base,
            title: title || "x",
            text: paragraphs.join("\n\n"),
            image: "https://x.example/i.jpg",
          };
          const post = renderPost(item, { ...opts, withImage, summaryChars: budget });
          const check = checkTelegramHtml(post.text);
          expect(check.ok, check.error).toBe(true);
          expect(check.text.length).toBeLessThanOrEqual(post.photo ? CAPTION_LIMIT : MESSAGE_LIMIT);
          expect(check.text.length).toBeGreaterThan(0);
          // No lone surrogates anywhere in the visible text.
          expect(check.text.isWellFormed()).toBe(true);
          expect(post.plain.length).toBeLessThanOrEqual(post.photo ? CAPTION_LIMIT : MESSAGE_LIMIT);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("checkTelegramHtml", () => {
  it.each([
    ["<b>x</b>", true],
    ["<p>x</p>", false],
    ["a & b", false],
    ["&nbsp;", false],
    ["&#160;&amp;&lt;", true],
    ["<b><i>x</b></i>", false],
    ["<b>x", false],
    ['<a href="https://x">y</a>', true],
  ])("%s → %s", (html, ok) => {
    expect(checkTelegramHtml(html).ok).toBe(ok);
  });
});

describe("chunkLines", () => {
  it("splits long lists into messages within the limit, never inside a line", async () => {
    const { chunkLines } = await import("../src/telegram/html.js");
    const lines = Array.from(
      { length: 100 },
      (_, i) => `• <b>nguồn ${i}</b> — ${"Báo &amp; tin ".repeat(8)}`,
    );
    const chunks = chunkLines(lines);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      const check = checkTelegramHtml(c);
      expect(check.ok).toBe(true);
      expect(check.text.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
    }
    expect(chunks.join("\n")).toBe(lines.join("\n"));
  });
});

describe("two independent HTML readers agree", () => {
  it("the fake Bot API's parser accepts every post and counts the same length", async () => {
    const { telegramParse } = await import("./fakes/telegram-html.js");
    fc.assert(
      fc.property(nasty, fc.array(nasty, { maxLength: 10 }), fc.boolean(), (title, paragraphs, withImage) => {
        const post = renderPost(
          { ...base, title: title || "x", text: paragraphs.join("\n\n"), image: "https://x.example/i.jpg" },
          { ...opts, withImage },
        );
        const theirs = telegramParse(post.text);
        expect(theirs.ok).toBe(true);
        if (theirs.ok) expect(theirs.text.length).toBe(checkTelegramHtml(post.text).text.length);
      }),
      { numRuns: 200 },
    );
    for (const bad of ["<p>x</p>", "a & b", "&nbsp;", "<b>x", "<b><i>x</b></i>"])
      expect(telegramParse(bad).ok, bad).toBe(false);
  });
});
