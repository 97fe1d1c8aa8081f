import { describe, expect, it } from "vitest";
import { parseLatestArgs } from "../src/telegram/features/latest.js";
import { parseSubscribeArgs } from "../src/telegram/features/subscription-args.js";
import { fold } from "../src/text/fold.js";

describe("what people type", () => {
  it("folds Vietnamese for matching feed names", () => {
    expect(fold("Hà Tĩnh")).toBe("hatinh");
    expect(fold("ha-tinh")).toBe("hatinh");
    expect(fold("ĐÀ NẴNG")).toBe("danang");
    expect(fold("Thời sự".normalize("NFD"))).toBe("thoisu");
  });
  it("parses /latest arguments in any order", () => {
    expect(parseLatestArgs("")).toEqual({ count: 5 });
    expect(parseLatestArgs("10 hatinh")).toEqual({ count: 10, feed: "hatinh" });
    expect(parseLatestArgs("Hà Tĩnh 3")).toEqual({ count: 3, feed: "Hà Tĩnh" });
    expect(parseLatestArgs("21").error).toBe("count");
    expect(parseLatestArgs("0").error).toBe("count");
  });
  it("parses /subscribe arguments", () => {
    expect(parseSubscribeArgs("")).toEqual({ feeds: "all", channel: undefined });
    expect(parseSubscribeArgs("a, B a")).toEqual({ feeds: ["a", "b"], channel: undefined });
    expect(parseSubscribeArgs("a all")).toEqual({ feeds: "all", channel: undefined });
    expect(parseSubscribeArgs("@kenh hatinh")).toEqual({ feeds: ["hatinh"], channel: "@kenh" });
    expect(parseSubscribeArgs("-1001234567890")).toEqual({ feeds: "all", channel: "-1001234567890" });
  });
});
