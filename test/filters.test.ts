import { describe, expect, it } from "vitest";
import { MAX_FILTERS } from "../src/domain/types.js";
import { parseFilterArgs } from "../src/telegram/features/filter.js";
import { matchesTerm, matchText, matchWords } from "../src/text/match.js";

describe("keyword filters", () => {
  it("fold what people type to whole words, without diacritics, đ as d", () => {
    expect(matchWords("Hà Tĩnh")).toBe("ha tinh");
    expect(matchWords("ĐÀ NẴNG")).toBe("da nang");
    expect(matchWords("TP.HCM: 36.403 lượt")).toBe("tp hcm 36 403 luot");
    const padded = matchText("Pha tinh bột đúng cách", "Đà Nẵng đón khách.");
    expect(matchesTerm(padded, "da nang")).toBe(true);
    expect(matchesTerm(padded, "ha tinh")).toBe(false);
    expect(matchesTerm(padded, "tinh bot")).toBe(true);
    expect(matchesTerm(padded, "")).toBe(false);
  });

  it("parse +include, -exclude, off, and refuse what cannot be a filter", () => {
    expect(parseFilterArgs("")).toEqual({ kind: "list" });
    expect(parseFilterArgs(" Tắt ")).toEqual({ kind: "clear" });
    expect(parseFilterArgs("off")).toEqual({ kind: "clear" });
    // Words that only fold like "off" words are filters: "Bộ" (ministry), "bò" (beef).
    for (const word of ["+Bộ", "bò", "+bơ", "-tát", "+Tất"]) expect(parseFilterArgs(word).kind).toBe("add");
    expect(parseFilterArgs("+hà tĩnh, +lũ,  -quảng   cáo, bão")).toEqual({
      kind: "add",
      filters: [
        { term: "ha tinh", label: "hà tĩnh", include: true },
        { term: "lu", label: "lũ", include: true },
        { term: "quang cao", label: "quảng cáo", include: false },
        { term: "bao", label: "bão", include: true },
      ],
    });
    // A pattern is only text: its punctuation is not a wildcard.
    expect(parseFilterArgs("-(a+)+$, +50%_off")).toEqual({
      kind: "add",
      filters: [
        { term: "a", label: "(a+)+$", include: false },
        { term: "50 off", label: "50%_off", include: true },
      ],
    });
    expect(parseFilterArgs("+ ,")).toMatchObject({ kind: "bad", reason: "empty" });
    expect(parseFilterArgs(`+${"chữ ".repeat(30)}`)).toMatchObject({ kind: "bad", reason: "too-long" });
    const many = Array.from({ length: MAX_FILTERS + 1 }, (_, k) => `+t${k}`).join(",");
    expect(parseFilterArgs(many)).toMatchObject({ kind: "bad", reason: "too-many" });
  });
});
