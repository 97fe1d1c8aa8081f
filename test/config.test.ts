import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseFeedList } from "../src/config.js";

describe("config", () => {
  it("has working defaults with an empty environment (sample feed, SQLite, a tick a minute)", () => {
    const c = loadConfig({}, "/app/sample.xml");
    expect(c).toMatchObject({
      STORE_URL: "sqlite://./data/bantin.sqlite",
      POLL_CRON: "* * * * *",
      POLL_MIN: 60_000,
      POLL_MAX: 30 * 60_000,
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
      "STORE_URL: must be sqlite://path (a file; sqlite://:memory: keeps nothing) or postgres://user:password@host:5432/database",
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

  it("refuses a FEEDS entry that is neither an http(s) URL nor an existing file, and sqlite:// without a path", () => {
    const refused = (env: Record<string, string>) => {
      try {
        loadConfig(env, "/sample.xml");
        return "accepted";
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(refused({ FEEDS: "javascript:alert(1)" })).toContain(
      'FEEDS: "javascript:alert(1)" is neither an http(s) URL nor an existing file',
    );
    expect(refused({ FEEDS: "https://" })).toContain('FEEDS: "https://" is not a valid http(s) URL');
    expect(refused({ FEEDS: "hatinh=./no-such-feed.xml" })).toContain("./no-such-feed.xml");
    expect(refused({ FEEDS: "not a url" })).toContain("FEEDS:");
    expect(refused({ FEEDS: "src/sample/baohatinh-sample.xml, https://tin.example/rss" })).toBe("accepted");
    expect(refused({ STORE_URL: "sqlite://" })).toContain("STORE_URL: must be sqlite://path");
    expect(refused({ STORE_URL: "sqlite://  " })).toContain("STORE_URL: must be sqlite://path");
    // Adaptive polling's bounds, and a feed's fixed interval.
    expect(refused({ POLL_MIN: "10m", POLL_MAX: "5m" })).toContain(
      "POLL_MIN: must not be longer than POLL_MAX",
    );
    expect(refused({ POLL_MAX: "soon" })).toContain("POLL_MAX: must be a duration");
    expect(refused({ FEEDS: "https://tin.example/rss every=10s" })).toContain(
      "every= must be a duration from 1m",
    );
    expect(loadConfig({ FEEDS: "https://tin.example/rss every=15m" }, "/s.xml").FEEDS[0]?.everyMs).toBe(
      900_000,
    );
  });

  it(".env.example survives `set -a; . ./.env; set +a` and is a valid configuration", () => {
    // The README's step, in a real shell: no value may run as a command or split into words.
    const out = execFileSync(
      "bash",
      ["-c", 'set -a; . ./.env.example; set +a; node -e "process.stdout.write(JSON.stringify(process.env))"'],
      {
        cwd: process.cwd(),
        env: { PATH: process.env.PATH ?? "" },
        encoding: "utf8",
      },
    );
    const env = JSON.parse(out) as Record<string, string>;
    expect(env.POLL_CRON).toBe("* * * * *");
    const c = loadConfig(env, "/s.xml");
    expect(c.FEEDS.map((f) => f.name)).toEqual(["hatinh", "vnexpress"]);
    expect(c.DELIVERY_CLAIM_S).toBe(c.TELEGRAM_TIMEOUT_S + 20);
    expect([c.POLL_MIN, c.POLL_MAX]).toEqual([60_000, 30 * 60_000]);
  });

  it("never echoes a password from STORE_URL and keeps claims longer than the send timeout", () => {
    let message = "";
    try {
      loadConfig({ STORE_URL: "mysql://bantin:s3cret@pw@db/x" }, "/s.xml");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("STORE_URL");
    expect(message).not.toContain("s3cret");
    expect(message).not.toContain("pw@db");
    let feeds = "";
    try {
      loadConfig({ FEEDS: "ftp://u:feedpass@h/rss" }, "/s.xml");
    } catch (error) {
      feeds = (error as Error).message;
    }
    expect(feeds).toContain("FEEDS");
    expect(feeds).not.toContain("feedpass");
    expect(() => loadConfig({ TELEGRAM_TIMEOUT_S: "40", DELIVERY_CLAIM_S: "30" }, "/s.xml")).toThrow(
      /DELIVERY_CLAIM_S/,
    );
  });

  it("webhook mode needs its secret and port; the secret is never echoed; the lease TTL is bounded", () => {
    const base = {
      BOT_TOKEN: "777000:AAfakefakefakefakefakefakefakefake12",
      WEBHOOK_URL: "https://bot.example.vn/tg/hook",
    };
    const fail = (env: Record<string, string>) => {
      try {
        loadConfig(env, "/s.xml");
        return "";
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
    };
    const missing = fail(base);
    expect(missing).toContain("WEBHOOK_SECRET: required with WEBHOOK_URL");
    expect(missing).toContain("HTTP_PORT: required with WEBHOOK_URL");
    const short = fail({ ...base, HTTP_PORT: "8080", WEBHOOK_SECRET: "tooshort!" });
    expect(short).toContain("WEBHOOK_SECRET");
    expect(short).not.toContain("tooshort");
    expect(fail({ ...base, WEBHOOK_URL: "not a url", HTTP_PORT: "8080" })).toContain("WEBHOOK_URL");
    // WebSub callbacks live under the webhook's origin unless WEBSUB_URL says otherwise (or off).
    const hooked = { ...base, HTTP_PORT: "8080", WEBHOOK_SECRET: "a".repeat(32) };
    expect(loadConfig(hooked, "/s.xml").websubBase).toBe("https://bot.example.vn");
    expect(loadConfig({ ...hooked, WEBSUB_URL: "off" }, "/s.xml").websubBase).toBeUndefined();
    expect(
      loadConfig({ HTTP_PORT: "8080", WEBSUB_URL: "https://push.example.vn" }, "/s.xml").websubBase,
    ).toBe("https://push.example.vn");
    expect(loadConfig({}, "/s.xml").websubBase).toBeUndefined();
    expect(fail({ WEBSUB_URL: "https://push.example.vn" })).toContain("HTTP_PORT: required with WEBSUB_URL");
    expect(fail({ HTTP_PORT: "8080", WEBSUB_URL: "push.example.vn" })).toContain(
      "WEBSUB_URL: must be an http(s) URL",
    );
    const ok = loadConfig({ ...base, HTTP_PORT: "8080", WEBHOOK_SECRET: "a".repeat(32) }, "/s.xml");
    expect(ok).toMatchObject({ WEBHOOK_URL: base.WEBHOOK_URL, LEASE_TTL_S: 15 });
    expect(fail({ LEASE_TTL_S: "1" })).toContain("LEASE_TTL_S");
    expect(loadConfig({ LEASE_TTL_S: "30" }, "/s.xml").LEASE_TTL_S).toBe(30);
  });
});
