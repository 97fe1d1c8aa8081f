import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkTelegramHtml } from "../src/telegram/html.js";
import { type FeedServer, rss, startFeedServer, staticFeed } from "./fakes/feed-server.js";
import { tempDir } from "./helpers.js";

const run = promisify(execFile);
const TSX = join(process.cwd(), "node_modules", ".bin", "tsx");
const dir = tempDir();

async function cli(script: string, args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(TSX, [script, ...args], {
      // No article pages: the test feeds' items link to *.example hosts (no DNS beyond loopback).
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        LOG_LEVEL: "info",
        ARTICLE_PAGES: "never",
        ...env,
      },
      cwd: process.cwd(),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let server: FeedServer;
beforeAll(async () => {
  server = await startFeedServer();
  server.route(
    "/rss",
    staticFeed(
      rss([
        {
          title: "Tin B",
          link: "https://tin.example/b?utm_source=rss",
          guid: "b",
          date: "Thu, 26 Nov 2026 09:00:00 +0700",
          description: "<p>Câu một. Câu hai.</p>",
          image: "https://tin.example/b.jpg",
        },
        {
          title: "Tin A",
          link: "https://tin.example/a",
          guid: "a",
          date: "Wed, 25 Nov 2026 09:00:00 +0700",
          description: "Nội dung A.",
        },
      ]),
    ),
  );
  server.route("/broken", (_req, res) => void res.writeHead(200).end("<rss><channel><item><title>x</titl>"));
});
afterAll(async () => {
  await server.close();
  dir.cleanup();
});

describe("npm run preview", () => {
  it("--all --json prints one JSON post per line on stdout and writes nothing", async () => {
    const storePath = join(dir.path, "all.sqlite");
    const { code, stdout, stderr } = await cli(
      "scripts/preview.ts",
      [server.url("/rss"), "--all", "--json"],
      { STORE_URL: `sqlite://${storePath}` },
    );
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    const posts = lines.map((l) => JSON.parse(l));
    expect(Object.keys(posts[0])).toEqual(["id", "title", "link", "text", "parse_mode", "photo"]);
    expect(posts[0]).toMatchObject({
      id: "b",
      title: "Tin B",
      link: "https://tin.example/b",
      parse_mode: "HTML",
      photo: "https://tin.example/b.jpg",
    });
    expect(posts[1].photo).toBeNull();
    for (const p of posts) expect(checkTelegramHtml(p.text).ok).toBe(true);
    expect(stderr).toContain("preview: 2 item(s), nothing written");
    expect(existsSync(storePath)).toBe(false);
  });

  it("loses no output into a pipe: 3,000 items, 3,000 JSON lines", async () => {
    const big = Array.from({ length: 3000 }, (_, i) => ({
      title: `Tin số ${i}`,
      link: `https://tin.example/big-${i}.html`,
      guid: `big-${i}`,
      description: `<p>Nội dung của tin số ${i}, với 36.403 lượt người tham dự.</p>`,
    }));
    server.route("/big", staticFeed(rss(big)));
    const res = await cli("scripts/preview.ts", [server.url("/big"), "--all", "--json"]);
    expect(res.code).toBe(0);
    const lines = res.stdout.trim().split("\n");
    expect(lines).toHaveLength(3000);
    expect(JSON.parse(lines[2999] as string).id).toBe("big-2999");
  });

  it("without --all follows the bot's rules: baseline first, then nothing new", async () => {
    const env = { STORE_URL: `sqlite://${join(dir.path, "rules.sqlite")}` };
    const first = await cli("scripts/preview.ts", [server.url("/rss"), "--json"], env);
    expect(first.code).toBe(0);
    expect(
      first.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).id),
    ).toEqual(["b"]);
    const second = await cli("scripts/preview.ts", [server.url("/rss"), "--json"], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe("");
    expect(second.stderr).toContain("0 new post(s)");
  });

  it("says clearly what is wrong with a broken feed", async () => {
    const res = await cli("scripts/preview.ts", [server.url("/broken"), "--all"]);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toMatch(/malformed XML/);
  });
});

describe("the main job on embedded defaults", () => {
  it("prints the sample feed's posts without a token, then nothing new on a second run", async () => {
    const env = { STORE_URL: `sqlite://${join(dir.path, "main.sqlite")}` };
    const first = await cli("src/main.ts", ["--once"], env);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain("no BOT_TOKEN set");
    const posts = first.stdout.split("── baohatinh").length - 1;
    expect(posts).toBe(3);
    expect(first.stdout).toContain("<b>Lộc Hà tổng kết 5 năm công tác xây dựng Đảng</b>");
    const second = await cli("src/main.ts", ["--once"], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe("");
    expect(second.stderr).toContain("nothing new since the last run");
  });

  it("fails fast on bad configuration, naming the variable", async () => {
    const res = await cli("src/main.ts", ["--once"], {
      POLL_CRON: "every five minutes",
      TIMEZONE: "Mars/Base",
    });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("POLL_CRON: must be a valid cron expression");
    expect(res.stderr).toContain("TIMEZONE: must be an IANA time zone");
  });
});
