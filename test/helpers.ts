import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FeedSource } from "../src/domain/types.js";
import { createFetcher, type Fetcher, type FetchOptions } from "../src/feeds/fetch.js";
import { createPoller, type PollerDeps } from "../src/feeds/poller.js";
import { createLogger } from "../src/log.js";
import type { Repos } from "../src/store/repos.js";

/** A logger that keeps quiet unless TEST_LOG is set. */
export const testLog = createLogger(process.env.TEST_LOG ?? "silent");

export function tempDir(prefix = "bantin-test-"): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Redis and PostgreSQL tests run when REDIS_URL / DATABASE_URL is set. Without it they skip
 * with a message, except under CI=true, where a missing service is a failure.
 */
export function serviceUrl(name: "REDIS_URL" | "DATABASE_URL"): string | undefined {
  const url = process.env[name];
  if (!url && process.env.CI === "true") {
    throw new Error(`${name} must be set under CI=true: the tests for that backend must run`);
  }
  if (!url) console.warn(`skipping ${name} tests: ${name} is not set`);
  return url;
}

/**
 * A PostgreSQL database of this test run's own, created on the server of DATABASE_URL and
 * dropped afterwards (only it: nothing else on the server is touched).
 */
export async function createPgDatabase(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const { default: pg } = await import("pg");
  const name = `bantin_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A TCP port free on 127.0.0.1 right now (for a child's HTTP_PORT). */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Polls `check` until it holds; throws naming `what` after `ms`. */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 10_000,
  everyMs = 20,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A feed fetcher for tests on loopback: short timeouts, 1 MiB, two redirects, guarded. */
export function testFetcher(overrides: Partial<FetchOptions> = {}): Fetcher {
  return createFetcher({
    timeoutMs: 2000,
    connectTimeoutMs: 1000,
    maxBytes: 1 << 20,
    maxRedirects: 2,
    allowPrivate: false,
    ...overrides,
  });
}

/** A poller on these repos reading `feeds` (all trusted), new items dropped unless overridden. */
export function testPoller(
  repos: Pick<Repos, "feedStates" | "seen" | "items" | "meta">,
  feeds: FeedSource[],
  overrides: Partial<PollerDeps> = {},
) {
  return createPoller({
    fetcher: testFetcher(),
    feedStates: repos.feedStates,
    seen: repos.seen,
    items: repos.items,
    meta: repos.meta,
    log: testLog,
    feeds: () => feeds,
    isTrusted: () => true,
    onNewItems: async () => undefined,
    baselineAnnounce: 1,
    maxAnnounce: 20,
    backoffMaxCycles: 8,
    concurrency: 2,
    offsetMin: 420,
    cycleMs: 60_000,
    ...overrides,
  });
}
