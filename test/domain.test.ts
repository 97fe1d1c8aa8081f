import { describe, expect, it } from "vitest";
import { nextSetting, QUIET_PRESETS, quietEndsAt } from "../src/domain/settings.js";
import { DEFAULT_SETTINGS, storyKey, wants } from "../src/domain/types.js";

describe("story identity", () => {
  it("is the canonical link, so one article in two feeds is one story", () => {
    expect(storyKey({ feed: "a", id: "1", link: "https://s.example/x.html" })).toBe(
      storyKey({ feed: "b", id: "2", link: "https://s.example/x.html" }),
    );
  });

  it("falls back to the feed and id without a link, or with a link to the site's home page", () => {
    expect(storyKey({ feed: "a", id: "g", link: undefined })).not.toBe(
      storyKey({ feed: "b", id: "g", link: undefined }),
    );
    // A CMS that gives every item its home page: two articles stay two.
    expect(storyKey({ feed: "a", id: "1", link: "https://s.example/" })).not.toBe(
      storyKey({ feed: "a", id: "2", link: "https://s.example/" }),
    );
  });
});

describe("subscriptions and settings", () => {
  it("'all except X' wants every feed but X", () => {
    const sub = { chatId: 1, feeds: "all" as const, except: ["x"], chatType: "private", createdAt: "" };
    expect([wants(sub, "a"), wants(sub, "x")]).toEqual([true, false]);
  });

  it("each button steps through its values", () => {
    let s = DEFAULT_SETTINGS;
    const quiet: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      s = nextSetting(s, "quiet");
      quiet.push(s.quiet);
    }
    expect(quiet).toEqual([...QUIET_PRESETS.slice(1), undefined]);
    expect(nextSetting(DEFAULT_SETTINGS, "images").images).toBe(false);
  });

  it("quiet hours end at the next start of their last hour, in the chat's time zone", () => {
    const s = { ...DEFAULT_SETTINGS, quiet: { start: 22, end: 6 } };
    const at = Date.parse("2026-11-27T23:17:42+07:00");
    expect(new Date(quietEndsAt(s, at, "Asia/Ho_Chi_Minh") ?? 0).toISOString()).toBe(
      "2026-11-27T23:00:00.000Z",
    );
    expect(quietEndsAt(s, Date.parse("2026-11-28T06:00:00+07:00"), "Asia/Ho_Chi_Minh")).toBeUndefined();
    expect(
      new Date(
        quietEndsAt(s, Date.parse("2026-11-28T05:59:00+07:00"), "Asia/Ho_Chi_Minh") ?? 0,
      ).toISOString(),
    ).toBe("2026-11-27T23:00:00.000Z");
    expect(quietEndsAt(DEFAULT_SETTINGS, at, "Asia/Ho_Chi_Minh")).toBeUndefined();
  });
});
