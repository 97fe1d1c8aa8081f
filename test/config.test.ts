import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseFeedList } from "../src/config.js";

describe("config", () => {
  it("has working defaults with an empty environment (sample feed, SQLite, every 5 minutes)", () => {
    const c = loadConfig({}, "/app/sample.xml");
    expect(c).toMatchObject({
      STORE_URL: "sqlite://./data/bantin.sqlite",
      POLL_CRON: "*/5 * * * *",
      TIMEZONE: "Asia/Ho_Chi_Minh",
      DEFAULT_LANGUAGE: "vi",
      usingSampleFeed: true,
      ADMIN_IDS: [],
      FETCH_MAX_BYTES: 5 * 1024 * 1024,
    });
    expect(c.BOT_TOKEN).toBeUndefined();
    expect(c.FEEDS).toEqual([{ name: "baohatinh", url: "/app/sample.xml", kind: "file" }]);
  });

  it("parses FEEDS: names, URLs with query strings, files, commas and newlines", () => {
    expect(
      parseFeedList(
        "hatinh=https://baohatinh.vn/rss/home.rss, https://vnexpress.net/rss/tin-moi-nhat.rss\n/srv/local.xml\n# comment\nq=https://x.example/feed?a=1&b=2",
      ),
    ).toEqual([
      { name: "hatinh", url: "https://baohatinh.vn/rss/home.rss", kind: "http" },
      { name: "vnexpress-tin-moi-nhat", url: "https://vnexpress.net/rss/tin-moi-nhat.rss", kind: "http" },
      { name: "local", url: "/srv/local.xml", kind: "file" },
      { name: "q", url: "https://x.example/feed?a=1&b=2", kind: "http" },
    ]);
    expect(() => parseFeedList("ftp://x.example/feed")).toThrow(/only http\(s\) URLs and file paths/);
  });

  it("fails with one readable message naming every bad variable, never echoing the token", () => {
    let error: unknown;
    try {
      loadConfig(
        { STORE_URL: "mysql://x", BOT_TOKEN: "secret-token", ADMIN_IDS: "12,abc", DEFAULT_LANGUAGE: "fr" },
        "/s.xml",
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain(
      "STORE_URL: must be sqlite://path or postgres://user:password@host:5432/database",
    );
    expect(message).toContain("BOT_TOKEN: does not look like a token");
    expect(message).toContain("ADMIN_IDS");
    expect(message).toContain("DEFAULT_LANGUAGE");
    expect(message).not.toContain("secret-token");
  });

  it("accepts 6-field cron and numeric admin ids", () => {
    const c = loadConfig(
      { POLL_CRON: "*/30 * * * * *", ADMIN_IDS: "1, 2 3", FEEDS: "https://x.example/rss" },
      "/s.xml",
    );
    expect(c.ADMIN_IDS).toEqual([1, 2, 3]);
    expect(c.usingSampleFeed).toBe(false);
  });
});
