import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import pg from "pg";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { migrations } from "../src/store/migrate.js";
import { openStore } from "../src/store/store.js";
import { TcpProxy } from "./fakes/tcp-proxy.js";
import { createPgDatabase, freePort, serviceUrl, tempDir, testLog } from "./helpers.js";

/**
 * Real-process failure tests: each case spawns real bantin processes (`node --import tsx
 * src/main.ts`) against a broken or odd environment and checks what the operator sees: the
 * exit code, the message, how long it took, the health endpoints.
 */

const PG_URL = serviceUrl("DATABASE_URL");
const pgIt = PG_URL ? it : it.skip;
const KNOWN_MIGRATIONS = Object.keys(migrations("sqlite"));

const dir = tempDir("bantin-failures-");
afterAll(() => dir.cleanup());

// --- processes -------------------------------------------------------------------------

interface Proc {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** stdout and stderr, interleaved as they came. */
  all(): string;
  exited: Promise<number | null>;
}

const procs: Proc[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const p of procs.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
    await p.exited;
  }
  for (const c of cleanups.splice(0).reverse()) await c();
});

function startBot(env: Record<string, string>, args: string[] = []): Proc {
  // One process (node with the tsx loader), so a signal reaches the bot itself.
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
    cwd: process.cwd(),
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
  const stdout: string[] = [];
  const stderr: string[] = [];
  const both: string[] = [];
  child.stdout?.on("data", (d) => {
    stdout.push(String(d));
    both.push(String(d));
  });
  child.stderr?.on("data", (d) => {
    stderr.push(String(d));
    both.push(String(d));
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const proc = { child, stdout, stderr, all: () => both.join(""), exited };
  procs.push(proc);
  return proc;
}

/** The exit code, or "timeout" when the process is still running after `ms`. */
async function exitWithin(p: Proc, ms: number): Promise<number | null | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((r) => {
    timer = setTimeout(() => r("timeout"), ms);
  });
  try {
    return await Promise.race([p.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function running(p: Proc): boolean {
  return p.child.exitCode === null && p.child.signalCode === null;
}

async function get(port: number, path: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined; // not listening (yet, or any more)
  }
}

/** Polls `path` until `accept` holds for an answer; returns that answer. */
async function waitForAnswer(
  p: Proc,
  port: number,
  path: string,
  accept: (a: { status: number; body: string }) => boolean,
  timeoutMs: number,
  what: string,
): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await get(port, path);
    if (answer && accept(answer)) return answer;
    if (!running(p)) throw new Error(`the process ended while waiting for ${what}:\n${p.all()}`);
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(answer)}):\n${p.all()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ready = (p: Proc, port: number) =>
  waitForAnswer(p, port, "/readyz", (a) => a.status === 200, 20_000, "/readyz 200");

/** A token-less long-running process (posts are printed) with the health endpoints on `port`. */
function serveEnv(
  storeUrl: string,
  port: number,
  extra: Record<string, string> = {},
): Record<string, string> {
  // Every feed at every tick (adaptive polling has its own tests).
  return { STORE_URL: storeUrl, HTTP_PORT: String(port), POLL_MIN: "0", POLL_MAX: "0", ...extra };
}

// --- PostgreSQL ------------------------------------------------------------------------

async function freshPgDatabase(): Promise<{ url: string }> {
  const db = await createPgDatabase(PG_URL!);
  cleanups.push(() => db.drop());
  return db;
}

async function startProxy(): Promise<TcpProxy> {
  const target = new URL(PG_URL!);
  const proxy = await new TcpProxy(target.hostname, Number(target.port || 5432)).start();
  cleanups.push(() => proxy.close());
  return proxy;
}

async function pgQuery<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

function sqliteQuery<T>(file: string, text: string): T[] {
  const db = new SqliteDatabase(file, { readonly: true });
  try {
    return db.prepare(text).all() as T[];
  } finally {
    db.close();
  }
}

const MIGRATION_COUNTS = "select name, count(*) as n from kysely_migration group by name order by name";

/** Exactly one row per migration of this release, and nothing else. */
function expectOneRowPerMigration(rows: Array<{ name: string; n: number | string }>, extra: string[] = []) {
  expect(rows.map((r) => [r.name, Number(r.n)])).toEqual(
    [...KNOWN_MIGRATIONS, ...extra].sort().map((name) => [name, 1]),
  );
}

/** A migration only a newer release knows (what a rolling deploy's first new instance leaves behind). */
const FUTURE_MIGRATION = "9999_future";

// --- a tiny Bot API for the errors the shared fake does not script -----------------------

interface TinyTelegram {
  apiRoot: string;
  /** Answers given, per method and status ("getUpdates 409"). */
  answered: Map<string, number>;
  count(key: string): number;
}

/**
 * Answers like Telegram: "getMe401" refuses every call (a revoked token); "getUpdates409"
 * accepts the token but answers every getUpdates with 409 (another consumer);
 * "getUpdates401" accepts getMe but refuses getUpdates (the token revoked while running).
 */
async function startTinyTelegram(
  mode: "getMe401" | "getUpdates409" | "getUpdates401",
): Promise<TinyTelegram> {
  const answered = new Map<string, number>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const method = /^\/bot[^/]+\/(\w+)/.exec(req.url ?? "")?.[1] ?? "?";
      let status = 200;
      let body: unknown = { ok: true, result: true };
      const refuse = () => {
        status = 401;
        body = { ok: false, error_code: 401, description: "Unauthorized" };
      };
      if (mode === "getMe401") refuse();
      else if (method === "getMe") {
        body = {
          ok: true,
          result: { id: 4242, is_bot: true, first_name: "bantin", username: "bantin_fail_bot" },
        };
      } else if (method === "getUpdates" && mode === "getUpdates401") refuse();
      else if (method === "getUpdates") {
        status = 409;
        body = {
          ok: false,
          error_code: 409,
          description:
            "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
        };
      }
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body), () => {
        const key = `${method} ${status}`;
        answered.set(key, (answered.get(key) ?? 0) + 1);
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return {
    apiRoot: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answered,
    count: (key) => answered.get(key) ?? 0,
  };
}

/** Well-formed, but not one the tiny Bot API (or Telegram) would accept. */
const BAD_TOKEN = "123456789:AAFakeRevokedTokenRevokedTokenXyz9";
const BAD_TOKEN_SECRET = BAD_TOKEN.split(":")[1]!;

async function waitUntil(check: () => boolean, p: Proc, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${p.all()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// --- the tests -------------------------------------------------------------------------

describe("start-up with a store that cannot be opened", () => {
  it("an unreachable PostgreSQL: exit 1 quickly, naming the store, never printing the password", async () => {
    const started = Date.now();
    const p = startBot({ STORE_URL: "postgres://bantin:s3cretpw@127.0.0.1:1/x" }, ["--once"]);
    const code = await exitWithin(p, 15_000);
    const tookMs = Date.now() - started;
    expect(code, p.all()).toBe(1);
    expect(tookMs).toBeLessThan(10_000);
    const stderr = p.stderr.join("");
    expect(stderr).toContain("bantin: cannot open the store postgres://bantin:[redacted]@127.0.0.1:1/x");
    expect(stderr).toMatch(/PostgreSQL/);
    expect(stderr).toMatch(/ECONNREFUSED/);
    expect(p.stdout.join("") + stderr).not.toContain("s3cretpw");
  });

  pgIt("a hung PostgreSQL: exit 1 after STORE_CONNECT_TIMEOUT_S, not later", async () => {
    const proxy = await startProxy();
    proxy.freeze();
    const url = new URL(proxy.url(PG_URL!));
    url.password = "hung-pw-9931";
    const started = Date.now();
    const p = startBot({ STORE_URL: url.toString(), STORE_CONNECT_TIMEOUT_S: "2" }, ["--once"]);
    const code = await exitWithin(p, 20_000);
    const tookMs = Date.now() - started;
    console.info(`hung PostgreSQL at start-up: exit ${code} after ${tookMs} ms`);
    expect(code, p.all()).toBe(1);
    // It did wait for the database (about 2 s), and no longer than the bound + start-up.
    expect(tookMs).toBeGreaterThanOrEqual(2000);
    expect(tookMs).toBeLessThan(10_000);
    const stderr = p.stderr.join("");
    expect(stderr).toContain(`bantin: cannot open the store postgres://`);
    expect(stderr).toMatch(/PostgreSQL/);
    expect(stderr).toMatch(/timeout|no answer within 2000 ms/i);
    expect(p.all()).not.toContain("hung-pw-9931");
  });

  pgIt("a database that does not exist on the server: exit 1 with a clear message", async () => {
    const url = new URL(PG_URL!);
    url.pathname = `/bantin_missing_${process.pid}`;
    const p = startBot({ STORE_URL: url.toString() }, ["--once"]);
    const code = await exitWithin(p, 15_000);
    expect(code, p.all()).toBe(1);
    const stderr = p.stderr.join("");
    expect(stderr).toContain("bantin: cannot open the store");
    expect(stderr).toContain(`database "bantin_missing_${process.pid}" does not exist`);
  });
});

describe("a running process whose store fails", () => {
  pgIt(
    "PostgreSQL hangs: /readyz turns 503, and SIGTERM still ends the process within the bound",
    async () => {
      const db = await freshPgDatabase();
      const proxy = await startProxy();
      const port = await freePort();
      const shutdownMs = 3000;
      const p = startBot(
        serveEnv(proxy.url(db.url), port, {
          SHUTDOWN_TIMEOUT_MS: String(shutdownMs),
          STORE_CONNECT_TIMEOUT_S: "5",
        }),
      );
      await ready(p, port);
      proxy.freeze();
      const answer = await waitForAnswer(
        p,
        port,
        "/readyz",
        (a) =>
          a.status === 503 &&
          (JSON.parse(a.body) as { problems: string[] }).problems.some((s) => /^store:/.test(s)),
        15_000,
        "/readyz 503 with a store problem",
      );
      expect(JSON.parse(answer.body)).toMatchObject({ ok: false });
      expect(running(p)).toBe(true);

      const stopAt = Date.now();
      p.child.kill("SIGTERM");
      const code = await exitWithin(p, shutdownMs + 10_000);
      const tookMs = Date.now() - stopAt;
      console.info(
        `SIGTERM with PostgreSQL hung: exit ${code} after ${tookMs} ms (SHUTDOWN_TIMEOUT_MS=${shutdownMs})`,
      );
      expect(code, p.all()).not.toBe("timeout");
      expect(tookMs).toBeLessThan(shutdownMs + 3000);
    },
  );

  it("the SQLite file deleted under the process: /readyz turns 503, /livez stays 200", async () => {
    const file = join(dir.path, "deleted.sqlite");
    const port = await freePort();
    const p = startBot(serveEnv(`sqlite://${file}`, port));
    await ready(p, port);
    rmSync(file);
    const answer = await waitForAnswer(
      p,
      port,
      "/readyz",
      (a) => a.status === 503,
      10_000,
      "/readyz 503 after the file was deleted",
    );
    const body = JSON.parse(answer.body) as { ok: boolean; problems: string[] };
    expect(body.ok).toBe(false);
    expect(body.problems.join("\n")).toMatch(/store: .*deleted/);
    expect((await get(port, "/livez"))?.status).toBe(200);
    expect(running(p)).toBe(true);
    p.child.kill("SIGTERM");
    expect(await exitWithin(p, 15_000), p.all()).toBe(0);
  });
});

describe("migrations with several instances starting at once", () => {
  async function startFour(storeUrl: string): Promise<Proc[]> {
    // Spawned in the same tick: they open the store and migrate at the same moment.
    const four = [1, 2, 3, 4].map(() => startBot({ STORE_URL: storeUrl, LOG_LEVEL: "info" }, ["--once"]));
    const codes = await Promise.all(four.map((p) => exitWithin(p, 40_000)));
    expect(codes, four.map((p) => p.all()).join("\n=====\n")).toEqual([0, 0, 0, 0]);
    // Exactly one of them ran the migrations; the others found the schema up to date.
    const migrators = four.filter((p) => p.all().includes('"msg":"schema migrated"'));
    expect(migrators.length, four.map((p) => p.all()).join("\n=====\n")).toBe(1);
    return four;
  }

  it("SQLite: four processes on one fresh file all run, each migration runs exactly once", async () => {
    const file = join(dir.path, "four.sqlite");
    await startFour(`sqlite://${file}`);
    expectOneRowPerMigration(sqliteQuery(file, MIGRATION_COUNTS));
    // No lock left behind for the next start.
    expect(sqliteQuery(file, "select * from bantin_migration_lock")).toEqual([]);
  }, 60_000);

  pgIt(
    "PostgreSQL: four processes on one fresh database all run, each migration runs exactly once",
    async () => {
      const db = await freshPgDatabase();
      await startFour(db.url);
      expectOneRowPerMigration(await pgQuery(db.url, MIGRATION_COUNTS));
    },
    60_000,
  );
});

describe("a schema newer than this release", () => {
  async function expectStillWorks(storeUrl: string): Promise<Proc> {
    const p = startBot({ STORE_URL: storeUrl }, ["--once"]);
    const code = await exitWithin(p, 20_000);
    expect(code, p.all()).toBe(0);
    // The bundled sample feed's posts are printed, so items were written into the newer table.
    expect(p.stdout.join("")).toContain("── baohatinh");
    expect(p.stderr.join("")).toMatch(/bantin: cycle 1: [1-9]\d* new post\(s\) from 1 feed\(s\)\./);
    expect(p.all()).toContain("the schema is newer than this release");
    return p;
  }

  it("SQLite: an unknown migration and an extra column are used as they are", async () => {
    const file = join(dir.path, "newer.sqlite");
    await (await openStore(`sqlite://${file}`, { log: testLog })).close();
    const db = new SqliteDatabase(file);
    try {
      db.prepare("insert into kysely_migration (name, timestamp) values (?, ?)").run(
        FUTURE_MIGRATION,
        new Date().toISOString(),
      );
      db.exec("alter table items add column future_col text");
    } finally {
      db.close();
    }
    await expectStillWorks(`sqlite://${file}`);
    expectOneRowPerMigration(sqliteQuery(file, MIGRATION_COUNTS), [FUTURE_MIGRATION]);
    expect(sqliteQuery<{ n: number }>(file, "select count(*) as n from items")[0]?.n).toBeGreaterThan(0);
  });

  pgIt("PostgreSQL: an unknown migration and an extra column are used as they are", async () => {
    const db = await freshPgDatabase();
    await (await openStore(db.url, { log: testLog })).close();
    await pgQuery(
      db.url,
      `insert into kysely_migration (name, timestamp) values ('${FUTURE_MIGRATION}', '${new Date().toISOString()}');
       alter table items add column future_col text`,
    );
    await expectStillWorks(db.url);
    expectOneRowPerMigration(await pgQuery(db.url, MIGRATION_COUNTS), [FUTURE_MIGRATION]);
    const [row] = await pgQuery<{ n: string }>(db.url, "select count(*) as n from items");
    expect(Number(row?.n)).toBeGreaterThan(0);
  });
});

describe("Telegram refusing the bot", () => {
  it("getMe answers 401: exit 1 with a message naming BOT_TOKEN and 401, the token never printed", async () => {
    const tg = await startTinyTelegram("getMe401");
    const file = join(dir.path, "getme401.sqlite");
    const p = startBot({
      STORE_URL: `sqlite://${file}`,
      BOT_TOKEN: BAD_TOKEN,
      TELEGRAM_API_ROOT: tg.apiRoot,
    });
    const code = await exitWithin(p, 20_000);
    expect(code, p.all()).toBe(1);
    expect(tg.count("getMe 401")).toBeGreaterThanOrEqual(1);
    expect(p.stderr.join("")).toMatch(/BOT_TOKEN[^\n]*401|401[^\n]*BOT_TOKEN/);
    expect(p.all()).not.toContain(BAD_TOKEN_SECRET);
  });

  it("getUpdates answers 409 (another consumer): the process stays up, then stops with 0 on SIGTERM", async () => {
    const tg = await startTinyTelegram("getUpdates409");
    const file = join(dir.path, "conflict.sqlite");
    const port = await freePort();
    const p = startBot(
      serveEnv(`sqlite://${file}`, port, {
        BOT_TOKEN: BAD_TOKEN,
        TELEGRAM_API_ROOT: tg.apiRoot,
        TELEGRAM_TIMEOUT_S: "10",
      }),
    );
    await waitUntil(() => tg.count("getUpdates 409") >= 1, p, 20_000, "a getUpdates answered with 409");
    // For a few seconds after the conflict, the process is alive and says so.
    const until = Date.now() + 3000;
    let checks = 0;
    while (Date.now() < until) {
      expect(running(p), p.all()).toBe(true);
      expect((await get(port, "/livez"))?.status, p.all()).toBe(200);
      checks++;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(checks).toBeGreaterThan(3);
    expect(p.all()).toContain("another process is taking this bot's updates (409)");
    p.child.kill("SIGTERM");
    expect(await exitWithin(p, 15_000), p.all()).toBe(0);
    expect(p.all()).not.toContain(BAD_TOKEN_SECRET);
  });

  it("getUpdates answers 401 while running (token revoked): exit 1, the token never printed", async () => {
    const tg = await startTinyTelegram("getUpdates401");
    const file = join(dir.path, "revoked.sqlite");
    const p = startBot({
      STORE_URL: `sqlite://${file}`,
      BOT_TOKEN: BAD_TOKEN,
      TELEGRAM_API_ROOT: tg.apiRoot,
      SHUTDOWN_TIMEOUT_MS: "3000",
    });
    const code = await exitWithin(p, 20_000);
    expect(code, p.all()).toBe(1);
    expect(tg.count("getUpdates 401")).toBeGreaterThanOrEqual(1);
    expect(p.all()).toMatch(/BOT_TOKEN \(401 Unauthorized\)/);
    expect(p.all()).not.toContain(BAD_TOKEN_SECRET);
    expect(existsSync(file)).toBe(true);
  });
});
