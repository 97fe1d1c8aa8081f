import { describe, expect, it } from "vitest";
import { summarize, truncateAtWord } from "../src/text/summary.js";

const TITLE = "Lộc Hà tổng kết 5 năm công tác xây dựng Đảng";
const ARTICLE = [
  "Lộc Hà tổng kết 5 năm công tác xây dựng Đảng",
  "Chiều ngày 29/2/2024, Huyện ủy Lộc Hà tổ chức tổng kết công tác xây dựng Đảng nhiệm kỳ 2020 - 2025. Dự hội nghị có Trưởng ban Tuyên giáo Tỉnh ủy.",
  "Công tác xây dựng Đảng ở Lộc Hà đã có nhiều con số ấn tượng: mở 169 lớp quán triệt nghị quyết với 36.403 lượt người tham dự. Huyện kết nạp mới 373 đảng viên.",
  "Ảnh: Thu Hà",
  "Thời gian tới, Đảng bộ huyện Lộc Hà sẽ tập trung vào 3 nhiệm vụ trọng tâm về công tác xây dựng Đảng.",
].join("\n\n");

describe("summarize", () => {
  it("starts with the news lead and never repeats the title", () => {
    const s = summarize(TITLE, ARTICLE, { maxChars: 600 });
    expect(s.startsWith("Chiều ngày 29/2/2024, Huyện ủy Lộc Hà")).toBe(true);
    expect(s).not.toContain(`${TITLE}\n`);
    expect(s.split(TITLE).length).toBe(1);
  });

  it("keeps within the budget and picks whole sentences", () => {
    const s = summarize(TITLE, ARTICLE, { maxChars: 250 });
    expect(s.length).toBeLessThanOrEqual(250);
    expect(s).toMatch(/[.!?…]$/);
    expect(s).not.toContain("Ảnh: Thu Hà");
  });

  it("keeps numbers like 36.403 intact", () => {
    const s = summarize(TITLE, ARTICLE, { maxChars: 1000 });
    expect(s).toContain("36.403 lượt");
  });

  it("cuts an over-long lead at a word boundary with an ellipsis", () => {
    const lead = `${"Hội nghị tổng kết công tác năm ".repeat(20)}kết thúc.`;
    const s = summarize("Tiêu đề", lead, { maxChars: 100 });
    expect(s.length).toBeLessThanOrEqual(100);
    expect(s.endsWith("…")).toBe(true);
    const words = lead.split(" ");
    const kept = s.slice(0, -1).split(" ");
    expect(kept.every((w, i) => w === words[i])).toBe(true);
  });

  it("returns empty text when the article is only its title", () => {
    expect(summarize(TITLE, TITLE, { maxChars: 300 })).toBe("");
  });

  it("puts chosen sentences back in article order", () => {
    const s = summarize(TITLE, ARTICLE, { maxChars: 2000 });
    const a = s.indexOf("Chiều ngày");
    const b = s.indexOf("Công tác xây dựng");
    const c = s.indexOf("Thời gian tới");
    expect(a).toBeLessThan(b);
    expect(b).toBeLessThan(c);
  });
});

describe("truncateAtWord", () => {
  it("leaves short text alone", () => {
    expect(truncateAtWord("ngắn gọn", 20)).toBe("ngắn gọn");
  });
  it("never splits a surrogate pair or a combining mark", () => {
    const emoji = "😀".repeat(50);
    const t = truncateAtWord(emoji, 11);
    expect(t.length).toBeLessThanOrEqual(11);
    expect(t.slice(0, -1)).toBe("😀".repeat(5));
    const nfd = "Việt".normalize("NFD").repeat(10);
    const u = truncateAtWord(nfd, 9);
    expect(/^\p{M}/u.test(u.slice(u.length - 1))).toBe(false);
    expect(u.slice(0, -1).normalize("NFD")).toBe(u.slice(0, -1));
    expect(/\p{M}$/u.test(u.slice(0, -1)) || /[^\p{M}]$/u.test(u.slice(0, -1))).toBe(true);
  });
});
