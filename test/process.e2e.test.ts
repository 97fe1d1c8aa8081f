import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createRepos } from "../src/store/repos.js";
import { openStore } from "../src/store/store.js";
import { story } from "./bot-harness.js";
import { type FeedServer, rss, startFeedServer } from "./fakes/feed-server.js";
import { FakeTelegram, TOKEN } from "./fakes/telegram-server.js";
import { freePort, tempDir, testLog } from "./helpers.js";

const dir = tempDir();
afterAll(() => dir.cleanup());

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Proc {
  child: ChildProcess;
  logs: string[];
  exited: Promise<number | null>;
}

function startBot(env: Record<string, string>): Proc {
  // One process (node with the tsx loader), so a SIGKILL really kills the bot.
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    // No article pages: the test feeds' items link to *.example hosts (no DNS beyond loopback).
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      LOG_LEVEL: "info",
      ARTICLE_PAGES: "never",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  child.stdout?.on("data", (d) => logs.push(String(d)));
  child.stderr?.on("data", (d) => logs.push(String(d)));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, logs, exited };
}

async function healthy(port: number, timeoutMs = 20_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.status === 200) return res;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error("the bot never became healthy");
    await new Promise((r) => setTimeout(r, 100));
  }
}

let tg: FakeTelegram;
let feeds: FeedServer;
let items = [story(1)];
const procs: Proc[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) if (p.child.exitCode === null) p.child.kill("SIGKILL");
  await tg?.close();
  await feeds?.close();
});

async function setup(groups: number[], storePath: string) {
  tg = await new FakeTelegram({ latencyMs: 40 }).start();
  feeds = await startFeedServer();
  items = [story(1)];
  feeds.route("/rss", (_req, res) => void res.writeHead(200).end(rss(items, "Báo Hà Tĩnh")));
  for (const id of groups) tg.addChat({ id, type: "supergroup" });
  // Subscriptions made beforehand, straight into the store the bot will open.
  const store = await openStore(`sqlite://${storePath}`, { log: testLog });
  const { subscriptions } = createRepos(store, { operatorFeeds: [], seenTtlMs: 60_000 });
  for (const id of groups) await subscriptions.subscribe({ chatId: id, chatType: "supergroup" }, "all");
  await store.close();
}

/** Deliveries still queued in a store (read beside the running process: WAL allows it). */
async function pendingIn(storePath: string): Promise<number> {
  const store = await openStore(`sqlite://${storePath}`, { log: testLog });
  try {
    return (await createRepos(store, { operatorFeeds: [], seenTtlMs: 60_000 }).deliveries.counts()).pending;
  } finally {
    await store.close();
  }
}

/** The environment of a bot process talking to this test's fake servers. */
function botEnv(storePath: string, port: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    BOT_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: tg.apiRoot,
    FEEDS: `hatinh=${feeds.url("/rss")}`,
    STORE_URL: `sqlite://${storePath}`,
    HTTP_PORT: String(port),
    BASELINE_ANNOUNCE: "0",
    // Every feed at every tick (adaptive polling has its own tests).
    POLL_MIN: "0",
    POLL_MAX: "0",
    // Claims of a killed process expire quickly in tests (they must outlive a send's timeout).
    TELEGRAM_TIMEOUT_S: "5",
    DELIVERY_CLAIM_S: "7",
    ...extra,
  };
}

describe("the real bot process", () => {
  it("is healthy once it has polled, and stops cleanly on SIGTERM", async () => {
    const storePath = join(dir.path, "term.sqlite");
    await setup([], storePath);
    const port = await freePort();
    const p = startBot(botEnv(storePath, port));
    procs.push(p);
    const res = await healthy(port);
    expect(await res.json()).toMatchObject({ ok: true, problems: [] });
    p.child.kill("SIGTERM");
    const code = await Promise.race([p.exited, new Promise((r) => setTimeout(() => r("timeout"), 15_000))]);
    expect(code, p.logs.join("")).toBe(0);
    expect(p.logs.join("")).toContain('"msg":"stopped"');
  });

  it("`npm start` stops cleanly when the process manager sends SIGTERM to npm: the bot gets it and no orphan is left", async () => {
    // The compiled bot (`npm run build`, which CI runs before the tests).
    if (!existsSync(join(process.cwd(), "dist", "src", "main.js")))
      throw new Error("dist/src/main.js is missing: run `npm run build` before the tests");
    const storePath = join(dir.path, "npm.sqlite");
    await setup([], storePath);
    const port = await freePort();
    const npm = spawn("npm", ["start"], {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        LOG_LEVEL: "info",
        ARTICLE_PAGES: "never",
        ...botEnv(storePath, port),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const logs: string[] = [];
    npm.stdout?.on("data", (d) => logs.push(String(d)));
    npm.stderr?.on("data", (d) => logs.push(String(d)));
    const npmExited = new Promise<number | null>((resolve) => npm.once("exit", (code) => resolve(code)));
    procs.push({ child: npm, logs, exited: npmExited });
    await healthy(port);
    // The bot's own pid, from its log lines (npm is its parent, perhaps through a shell).
    const pid = Number(/"pid":(\d+)/.exec(logs.join(""))?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(pid).not.toBe(npm.pid);
    npm.kill("SIGTERM");
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      await waitUntil(async () => !alive(), 15_000, "the bot to exit after npm got SIGTERM");
    } finally {
      if (alive()) process.kill(pid, "SIGKILL");
    }
    await npmExited;
    expect(logs.join("")).toContain('"msg":"stopped"');
  });

  it("a process killed mid-fan-out and restarted delivers every (chat, item) once", async () => {
    const groups = Array.from({ length: 40 }, (_, i) => -100_000 - i);
    const storePath = join(dir.path, "crash.sqlite");
    await setup(groups, storePath);
    const port = await freePort();
    const env = botEnv(storePath, port, { POLL_CRON: "*/1 * * * * *", SEND_RATE: "20" });
    const first = startBot(env);
    procs.push(first);
    await healthy(port);
    items = [story(2), story(1)];
    const posts = () => tg.sent.filter((m) => m.text.includes("Tin số 2"));
    await tg
      .waitFor(() => posts().length >= 10, 20_000, "the fan-out to start")
      .catch((error: Error) => {
        // What the bot was doing, to tell a slow machine from a bot that stopped.
        const tail = first.logs.join("").split("\n").slice(-15).join("\n");
        throw new Error(
          `${error.message}: ${posts().length} posts, exit code ${first.child.exitCode}; the bot's last lines:\n${tail}`,
        );
      });
    first.child.kill("SIGKILL");
    await first.exited;
    const beforeRestart = posts().length;
    expect(beforeRestart).toBeLessThan(groups.length);

    const second = startBot(env);
    procs.push(second);
    await tg.waitFor(
      () => new Set(posts().map((m) => m.chatId)).size === groups.length,
      30_000,
      "every group to get the post",
    );
    // Everything is done when nothing is queued any more: a double would have been sent by then.
    await waitUntil(async () => (await pendingIn(storePath)) === 0, 30_000, "the queue to empty");
    const perChat = new Map<number, number>();
    for (const m of posts()) perChat.set(m.chatId, (perChat.get(m.chatId) ?? 0) + 1);
    const lost = groups.filter((g) => !perChat.has(g));
    const doubled = [...perChat.values()].filter((n) => n > 1).length;
    console.info(
      `crash test: ${beforeRestart} posted before the kill, ${doubled} chat(s) got the in-flight post twice`,
    );
    expect(lost).toEqual([]);
    // Only sends in flight at the moment of the kill may repeat (at most one per chat in flight,
    // at most 10 at once at this rate); nothing else.
    expect(doubled).toBeLessThanOrEqual(10);
    expect(second.logs.join("")).toContain("resuming deliveries left in the queue");
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  }, 90_000);
});
