import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseOpml } from "../src/feeds/opml.js";
import { type FeedServer, startFeedServer } from "./fakes/feed-server.js";
import { tempDir } from "./helpers.js";
import { OPML_FIXTURES as FIXTURES, serveNewsroom } from "./opml-fixtures.js";

const dir = tempDir();
let server: FeedServer;
/** newsroom.opml with its feeds on this test's feed server. */
let newsroom: string;
beforeAll(async () => {
  server = await startFeedServer();
  newsroom = serveNewsroom(server, { withHatinh: true });
});
afterAll(async () => {
  await server.close();
  dir.cleanup();
});

describe("npm run opml (the CLI, a real process)", () => {
  const run = promisify(execFile);
  const TSX = join(process.cwd(), "node_modules", ".bin", "tsx");
  const env = () => ({
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    STORE_URL: `sqlite://${join(dir.path, "cli.sqlite")}`,
    FEEDS: `hatinh=${server.url("/rss")}`,
    ALLOW_PRIVATE_FEEDS: "true",
    LOG_LEVEL: "info",
  });
  async function cli(...args: string[]) {
    try {
      const { stdout, stderr } = await run(TSX, ["src/opml.ts", ...args], { env: env(), cwd: process.cwd() });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it("imports a file into STORE_URL, then exports FEEDS and the added feeds as OPML on stdout", async () => {
    const file = join(dir.path, "newsroom.opml");
    writeFileSync(file, newsroom);
    const first = await cli("import", file);
    expect(first.code).toBe(0);
    const [summary, ...lines] = first.stdout.trim().split("\n");
    expect(summary).toBe("added 2, present 2, refused 0, unreadable 3");
    expect(lines.filter((l) => l.startsWith("added\t")).map((l) => l.split("\t")[1])).toEqual([
      "127-thoi-su",
      "127-kinh-te",
    ]);
    expect(first.stderr).toContain('"msg":"opml import done"'); // logs on stderr, JSON lines
    expect((await cli("import", file)).stdout).toMatch(/^added 0, present 4, refused 0, unreadable 3\n/);
    const out = await cli("export");
    expect(out.code).toBe(0);
    expect(out.stdout.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0"')).toBe(true);
    expect(parseOpml(out.stdout).entries.map((e) => [e.name, e.xmlUrl, e.title])).toEqual([
      ["hatinh", server.url("/rss"), "hatinh"],
      ["127-thoi-su", server.url("/thoi-su.rss"), "127-thoi-su"],
      ["127-kinh-te", server.url("/kinh-te?cat=1&page=2"), "127-kinh-te"],
    ]);
    expect(out.stderr).toContain("exported 3 feed(s)");
  }, 30_000);

  it("exits 1 on a bad file (and adds nothing), 2 on bad usage", async () => {
    const bad = await cli("import", join(FIXTURES, "truncated.opml"));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/cannot import .*truncated\.opml: <outline> opened on line 6 is never closed/);
    expect((await cli("import", join(FIXTURES, "not-opml.xml"))).code).toBe(1);
    expect((await cli("import", join(dir.path, "missing.opml"))).code).toBe(1);
    expect((await cli("frobnicate")).code).toBe(2);
    expect((await cli("import")).code).toBe(2);
  }, 30_000);
});
