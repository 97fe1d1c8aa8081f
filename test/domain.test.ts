import { describe, expect, it } from "vitest";
import { latestSlot, nextSlot, parseClockTimes, parseTimeZone, slotPart } from "../src/domain/bulletin.js";
import { nextSetting, QUIET_PRESETS, quietEndsAt } from "../src/domain/settings.js";
import { isTimeZone } from "../src/domain/time.js";
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

describe("bulletin schedule", () => {
  const at = (iso: string) => Date.parse(iso);
  const iso = (slot?: { at: number }) => (slot ? new Date(slot.at).toISOString() : undefined);
  it("the latest and next slot in a zone, across midnight, months and DST", () => {
    const vn = "Asia/Ho_Chi_Minh";
    const times = [390, 1110];
    expect(iso(latestSlot(times, vn, at("2026-12-03T06:29:59+07:00")))).toBe("2026-12-02T11:30:00.000Z");
    expect(iso(latestSlot(times, vn, at("2026-12-03T06:30:00+07:00")))).toBe("2026-12-02T23:30:00.000Z");
    expect(iso(nextSlot(times, vn, at("2026-12-03T18:30:00+07:00")))).toBe("2026-12-03T23:30:00.000Z");
    expect(iso(latestSlot([390], vn, at("2026-03-01T01:00:00+07:00")))).toBe("2026-02-27T23:30:00.000Z");
    expect(latestSlot(times, vn, at("2026-12-03T07:00:00+07:00"))?.minutes).toBe(390);
    // Berlin: 02:30 does not exist on 29 March (the slot moves an hour on); 08:00 is CEST.
    const berlin = "Europe/Berlin";
    expect(iso(nextSlot([150], berlin, at("2026-03-29T00:00:00+01:00")))).toBe("2026-03-29T01:30:00.000Z");
    expect(iso(latestSlot([480], berlin, at("2026-03-30T09:00:00+02:00")))).toBe("2026-03-30T06:00:00.000Z");
    expect(iso(latestSlot([480], berlin, at("2026-11-01T09:00:00+01:00")))).toBe("2026-11-01T07:00:00.000Z");
  });

  it("parses times and zones as people type them", () => {
    expect(parseClockTimes(["18:30", "6h30", "7", "07.15", "6:30"])).toEqual([390, 420, 435, 1110]);
    expect(parseClockTimes(["24:00"])).toBeUndefined();
    expect(parseClockTimes(["6:3"])).toBeUndefined();
    expect(parseClockTimes(["sáng"])).toBeUndefined();
    expect(parseTimeZone("asia/bangkok", isTimeZone)).toBe("Asia/Bangkok");
    expect(parseTimeZone("UTC+7", isTimeZone)).toBe("Etc/GMT-7");
    expect(parseTimeZone("-5", isTimeZone)).toBe("Etc/GMT+5");
    expect(parseTimeZone("utc", isTimeZone)).toBe("UTC");
    expect(parseTimeZone("UTC+15", isTimeZone)).toBeUndefined();
    expect(parseTimeZone("UTC-13", isTimeZone)).toBeUndefined(); // no Etc/GMT+13
    expect(parseTimeZone("UTC+14", isTimeZone)).toBe("Etc/GMT-14");
    expect(parseTimeZone("UTC-12", isTimeZone)).toBe("Etc/GMT+12");
    expect(parseTimeZone("Mars/Olympus", isTimeZone)).toBeUndefined();
    expect(parseTimeZone("'; drop table", isTimeZone)).toBeUndefined();
    expect(slotPart(390)).toBe("morning");
    expect(slotPart(720)).toBe("midday");
    expect(slotPart(900)).toBe("afternoon");
    expect(slotPart(1110)).toBe("evening");
  });

  it("the /settings button: off → besides the posts → instead of them → off; turned on, earlier slots are not owed", () => {
    const on = nextSetting(DEFAULT_SETTINGS, "bulletin", 1234);
    expect([on.bulletin, on.bulletinSince]).toEqual(["also", 1234]);
    const only = nextSetting(on, "bulletin", 9999);
    expect([only.bulletin, only.bulletinSince]).toEqual(["only", 1234]);
    expect(nextSetting(only, "bulletin").bulletin).toBeUndefined();
  });

  it("quiet hours follow the chat's own zone when it chose one", () => {
    const s = { ...DEFAULT_SETTINGS, quiet: { start: 22, end: 6 }, timeZone: "Asia/Tokyo" };
    // 23:00 in Vietnam is 01:00 in Tokyo: quiet until 06:00 Tokyo = 04:00 Vietnam.
    const end = quietEndsAt(s, at("2026-12-03T23:00:00+07:00"), "Asia/Ho_Chi_Minh");
    expect(iso(end === undefined ? undefined : { at: end })).toBe("2026-12-03T21:00:00.000Z");
    // 21:00 in Vietnam is 23:00 in Tokyo: quiet already (it would not be in Vietnam's zone).
    expect(quietEndsAt(s, at("2026-12-03T21:00:00+07:00"), "Asia/Ho_Chi_Minh")).toBeDefined();
  });
});
