/**
 * npm run bench:state [-- --store postgres://user@host:5432/postgres --items 20 --seed 1]
 *
 * Memory and time as the state grows (the issue's figures). Builds a large state through the
 * repositories' own API in a fresh SQLite file under the temp folder (or, with --store
 * postgres://…, in a PostgreSQL database of its own, created and dropped here): 1,000 feeds
 * served on loopback, 5,000 chats (4,900 subscribed to 1–3 named feeds, 100 to "all"),
 * 100,000 seen ids and 20,000 queued deliveries, then measures, each in a new process started
 * the production way (loadConfig + openStore + createApp):
 *  1. start-up: RSS after start-up and after a GC, start-up time, the rows read (no table
 *     loaded whole) and the worker's window against the queue (goal: RSS < 150 MB);
 *  2. one poll cycle where each of the 1,000 feeds has one new item (app.runOnce(): poll,
 *     store, plan), its CPU and wall time, and the same cycle with nothing new, so the cost
 *     of planning is visible (goal: ≤ 2 s CPU);
 *  3. one feed re-publishing its archive (10,000 new items) under --max-old-space-size=1024:
 *     deliveries planned (goal: ≤ ANNOUNCE_MAX per chat), items held, peak RSS, time.
 * Prints every figure next to its goal ("NOT MET" beside a missed one); exits non-zero only
 * on a correctness failure (a wrong count, a failed feed, a child that did not finish).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { getHeapStatistics } from "node:v8";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import type { FeedItem, FeedSource } from "../src/domain/types.js";
import { createLogger } from "../src/log.js";
import { SAMPLE_FEED } from "../src/paths.js";
import { createRepos } from "../src/store/repos.js";
import { openStore } from "../src/store/store.js";
import { type RssItemSpec, rss, startFeedServer } from "../test/fakes/feed-server.js";
import { FakeTelegram, TOKEN } from "../test/fakes/telegram-server.js";
import { createPgDatabase } from "../test/helpers.js";

const { values } = parseArgs({
  options: {
    store: { type: "string" },
    items: { type: "string", default: "20" },
    seed: { type: "string", default: "1" },
    /** Internal: the measured part a child process runs (startup | cycle | archive). */
    child: { type: "string" },
  },
});

const FEEDS = 1000;
const CHATS = 5000;
const ALL_CHATS = 100;
const ARCHIVE_CHATS = 50;
const SEEN = 100_000;
const QUEUED = 20_000;
const ARCHIVE_NEW = 10_000;
const ITEMS = Number(values.items);
const MiB = 1024 * 1024;
const GOAL_RSS = 150 * MiB;
const GOAL_CYCLE_CPU_S = 2;
const ARCHIVE_HEAP_MB = 1024;
/** Far away: the app never polls by itself here. */
const POLL_CRON = "0 0 1 1 *";

const SELF = fileURLToPath(import.meta.url);
const FROM_TS = SELF.endsWith(".ts");
const gc = (globalThis as { gc?: () => void }).gc;

// ---------------------------------------------------------------------------------------------
// Messages between the parent (feed server, fake Bot API) and a measuring child.

type ToParent =
  | { type: "feeds"; version: number }
  | { type: "archive" }
  | { type: "result"; result: Record<string, number | string | boolean> };

function ask(msg: ToParent): Promise<void> {
  return new Promise((resolve) => {
    process.once("message", () => resolve());
    process.send?.(msg);
  });
}

async function report(result: Record<string, number | string | boolean>): Promise<never> {
  await new Promise<void>((resolve) =>
    process.send?.({ type: "result", result } satisfies ToParent, () => resolve()),
  );
  process.exit(0);
}

/** CPU (user + system, all threads) and wall time of one call. */
async function measure<T>(fn: () => Promise<T>): Promise<{ out: T; cpuS: number; wallS: number }> {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const out = await fn();
  const used = process.cpuUsage(cpu);
  return { out, cpuS: (used.user + used.system) / 1e6, wallS: (performance.now() - t0) / 1000 };
}

/**
 * Counts the rows every query returns (better-sqlite3's Statement#all and pg's Client#query,
 * which Kysely's drivers call), to show that start-up reads no table whole.
 */
async function countRows() {
  const counter = { reads: 0, rows: 0, max: 0, maxSql: "" };
  const note = (sql: string, n: number) => {
    counter.reads++;
    counter.rows += n;
    if (n > counter.max) {
      counter.max = n;
      counter.maxSql = sql.replace(/\s+/g, " ").slice(0, 1000);
    }
  };
  const { default: SqliteDatabase } = await import("better-sqlite3");
  const probe = new SqliteDatabase(":memory:");
  type Statement = { source: string; all: (...args: unknown[]) => unknown[] };
  const proto = Object.getPrototypeOf(probe.prepare("select 1")) as Statement;
  probe.close();
  const all = proto.all;
  proto.all = function (this: Statement, ...args: unknown[]) {
    const rows = all.apply(this, args);
    note(this.source, rows.length);
    return rows;
  };
  const { default: pg } = await import("pg");
  const client = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = client.query;
  client.query = function (this: unknown, ...args: unknown[]) {
    const out = query.apply(this, args);
    if (out instanceof Promise)
      return out.then((r: { rows?: unknown[] }) => {
        note(typeof args[0] === "string" ? args[0] : "", Array.isArray(r?.rows) ? r.rows.length : 0);
        return r;
      });
    return out;
  };
  return counter;
}

/** The app, the production way: configuration from the environment, the store, createApp. */
async function openApp() {
  const config = loadConfig(process.env, SAMPLE_FEED);
  const log = createLogger(config.LOG_LEVEL);
  const store = await openStore(config.STORE_URL, {
    log,
    connectTimeoutMs: config.STORE_CONNECT_TIMEOUT_S * 1000,
  });
  const app = createApp({ config, log, store });
  return { config, store, app };
}

async function childStartup(): Promise<never> {
  const counter = await countRows();
  const rssLoaded = process.memoryUsage().rss;
  const t0 = performance.now();
  const config = loadConfig(process.env, SAMPLE_FEED);
  const log = createLogger(config.LOG_LEVEL);
  const store = await openStore(config.STORE_URL, {
    log,
    connectTimeoutMs: config.STORE_CONNECT_TIMEOUT_S * 1000,
  });
  const rssStore = process.memoryUsage().rss;
  const app = createApp({ config, log, store });
  const rssApp = process.memoryUsage().rss;
  if (!app.worker) throw new Error("no delivery worker: BOT_TOKEN is not set");
  await app.worker.start();
  const startupMs = performance.now() - t0;
  const sinceProcessStartMs = performance.now();
  const rss = process.memoryUsage().rss;
  const reads = { ...counter };
  const window = app.worker.stats().pending;
  gc?.();
  const rssGc = process.memoryUsage().rss;
  const heapGc = process.memoryUsage().heapUsed;
  await app.stop();
  const counts = await app.repos.deliveries.counts();
  await store.close();
  return report({
    startupMs,
    sinceProcessStartMs,
    rssLoaded,
    rssStore,
    rssApp,
    rss,
    rssGc,
    heapGc,
    gc: gc !== undefined,
    window,
    pending: counts.pending,
    reads: reads.reads,
    rows: reads.rows,
    maxRows: reads.max,
    maxSql: reads.maxSql,
    peakRss: process.resourceUsage().maxRSS * 1024,
  });
}

async function startProfile() {
  const { Session } = await import("node:inspector/promises");
  const { writeFile } = await import("node:fs/promises");
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return {
    async stop(file: string) {
      const { profile } = await session.post("Profiler.stop");
      await writeFile(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

async function childCycle(): Promise<never> {
  const { store, app } = await openApp();
  const pending = async () => (await app.repos.deliveries.counts()).pending;
  // The first cycle of a process also runs the hourly maintenance: not the one measured.
  const warm = await measure(() => app.runOnce());
  await ask({ type: "feeds", version: 1 });
  const before = await pending();
  // BENCH_CYCLE_PROF=file.cpuprofile: a CPU profile of the measured cycle alone.
  const profile = process.env.BENCH_CYCLE_PROF ? await startProfile() : undefined;
  const fresh = await measure(() => app.runOnce());
  if (profile) await profile.stop(process.env.BENCH_CYCLE_PROF as string);
  const mid = await pending();
  const same = await measure(() => app.runOnce());
  const after = await pending();
  // Never started, but the sink's wake() reaches it: what it holds now.
  const idleWindow = app.worker?.stats().pending ?? 0;
  await app.stop();
  await store.close();
  const errors = (r: typeof warm.out) => r.outcomes.filter((o) => o.status === "error").length;
  return report({
    warmCpuS: warm.cpuS,
    warmWallS: warm.wallS,
    warmErrors: errors(warm.out),
    cpuS: fresh.cpuS,
    wallS: fresh.wallS,
    feeds: fresh.out.outcomes.length,
    newItems: fresh.out.newItems,
    errors: errors(fresh.out),
    planned: mid - before,
    sameCpuS: same.cpuS,
    sameWallS: same.wallS,
    sameNewItems: same.out.newItems,
    sameErrors: errors(same.out),
    samePlanned: after - mid,
    idleWindow,
    peakRss: process.resourceUsage().maxRSS * 1024,
  });
}

async function childArchive(): Promise<never> {
  const { config, store, app } = await openApp();
  const repos = app.repos;
  await app.runOnce(); // the feed as it was (nothing new), and the hourly maintenance
  await ask({ type: "archive" });
  const pendingBefore = (await repos.deliveries.counts()).pending;
  const stateBefore = await repos.feedStates.get("archive");
  const itemsBefore = await repos.items.count("archive");
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  let peakHeap = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 5);
  const startedAt = Date.now();
  const cycle = await measure(() => app.runOnce());
  clearInterval(sampler);
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss, process.resourceUsage().maxRSS * 1024);
  peakHeap = Math.max(peakHeap, m.heapUsed);
  const stateAfter = await repos.feedStates.get("archive");
  const perChat = await store.db
    .selectFrom("deliveries")
    .select((eb) => ["chat_id", eb.fn.countAll<number>().as("n")])
    .where("feed", "=", "archive")
    .where("created_at", ">=", startedAt)
    .groupBy("chat_id")
    .execute();
  const outcome = cycle.out.outcomes.find((o) => o.feed === "archive");
  const result = {
    announceMax: config.ANNOUNCE_MAX,
    planned: (await repos.deliveries.counts()).pending - pendingBefore,
    chats: perChat.length,
    maxPerChat: Math.max(0, ...perChat.map((r) => Number(r.n))),
    announced: cycle.out.newItems,
    held: (stateAfter?.itemsHeld ?? 0) - (stateBefore?.itemsHeld ?? 0),
    stored: (await repos.items.count("archive")) - itemsBefore,
    status: outcome?.status ?? "missing",
    error: outcome && "error" in outcome ? outcome.error : "",
    cpuS: cycle.cpuS,
    wallS: cycle.wallS,
    rssBefore,
    peakRss,
    peakHeap,
    heapLimit: getHeapStatistics().heap_size_limit,
  };
  await app.stop();
  await store.close();
  return report(result);
}

if (values.child) {
  const roles: Record<string, () => Promise<never>> = {
    startup: childStartup,
    cycle: childCycle,
    archive: childArchive,
  };
  const role = roles[values.child];
  if (!role) throw new Error(`unknown child role ${values.child}`);
  await role();
}

// ---------------------------------------------------------------------------------------------
// The parent: builds the state, serves the feeds and the fake Bot API, runs the children.

/** A small fixed-seed PRNG (mulberry32): the same subscriptions every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function inParallel<T>(list: T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < list.length) await fn(list[next++] as T);
    }),
  );
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mib = (bytes: number) => `${fmt(bytes / MiB, 1)} MiB`;
const secs = (s: number) => `${fmt(s, 2)} s`;

const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  if (!ok) failures.push(what);
  return ok;
};

const log = createLogger("silent");
const started = performance.now();
const phase = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const out = await fn();
  return [out, (performance.now() - t0) / 1000];
};

// The feeds: one RSS document each, `ITEMS` items, one more (and one fewer) per version.
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 86_400_000;
const SENTENCE =
  "Huyện đã mở 169 lớp quán triệt nghị quyết với 36.403 lượt người tham dự, kết nạp mới 373 đảng viên.";
function feedDoc(f: number, version: number): Buffer {
  const items: RssItemSpec[] = [];
  for (let s = version + ITEMS - 1; s >= version; s--)
    items.push({
      title: `Tin ${f}-${s}: Hà Tĩnh đẩy mạnh chuyển đổi số & cải cách hành chính`,
      link: `https://tin.example/f${f}/${s}.html`,
      guid: `f${f}-${s}`,
      date: new Date(T0 + s * 600_000).toUTCString(),
      description: `<p>${SENTENCE}</p><p>${SENTENCE}</p>`,
    });
  return Buffer.from(rss(items, `Báo Thử Nghiệm ${f}`));
}
function archiveDoc(republished: boolean): Buffer {
  const items: RssItemSpec[] = [];
  for (let s = ITEMS - 1; s >= 0; s--)
    items.push({
      title: `Tin chính ${s}`,
      link: `https://tin.example/archive/${s}.html`,
      guid: `archive-${s}`,
      date: new Date(T0 + s * 600_000).toUTCString(),
      description: `<p>${SENTENCE}</p>`,
    });
  // The CMS lists its whole archive again: old articles, old dates, never seen here.
  if (republished)
    for (let j = 0; j < ARCHIVE_NEW; j++)
      items.push({
        title: `Lưu trữ ${j}: tin cũ được đăng lại`,
        link: `https://tin.example/archive/old-${j}.html`,
        guid: `archive-old-${j}`,
        date: new Date(T0 - (j + 1) * 3_600_000).toUTCString(),
        description: "<p>Tin lưu trữ.</p>",
      });
  return Buffer.from(rss(items, "Báo Thử Nghiệm (lưu trữ)"));
}

const docs: Buffer[][] = [Array.from({ length: FEEDS }, (_, f) => feedDoc(f, 0))];
let version = 0;
let archive = archiveDoc(false);
const server = await startFeedServer();
for (let f = 0; f < FEEDS; f++)
  server.route(`/f${f}`, (_req, res) => {
    res.writeHead(200, { "content-type": "application/rss+xml; charset=utf-8" }).end(docs[version]?.[f]);
  });
server.route("/archive", (_req, res) => {
  res.writeHead(200, { "content-type": "application/rss+xml; charset=utf-8" }).end(archive);
});
const feedList = (names: string[]) => names.map((n) => `${n}=${server.url(`/${n}`)}`).join(",");
const feedNames = Array.from({ length: FEEDS }, (_, f) => `f${f}`);
const allFeeds: FeedSource[] = [...feedNames, "archive"].map((name) => ({
  name,
  url: server.url(`/${name}`),
  kind: "http",
}));

// The store: a fresh SQLite file, or a PostgreSQL database of this run's own.
const dbPath = join(tmpdir(), `bantin-state-${process.pid}.sqlite`);
const pgDb = values.store ? await createPgDatabase(values.store) : undefined;
const STORE_URL = pgDb ? pgDb.url : `sqlite://${dbPath}`;
const backend = pgDb ? "PostgreSQL" : "SQLite";

// The chats: 4,900 to 1–3 named feeds (the first 50 also to "archive"), 100 to "all".
const rand = random(Number(values.seed));
type Chat = { id: number; type: "private" | "supergroup" | "channel"; feeds: string[] | "all" };
const chats: Chat[] = [];
const namedPerFeed = new Array<number>(FEEDS).fill(0);
for (let i = 0; i < CHATS; i++) {
  const type = i % 5 === 0 ? "private" : i % 5 === 1 ? "channel" : "supergroup";
  const id = type === "private" ? 100_000_000 + i : -1_000_000_000_000 - i;
  if (i >= CHATS - ALL_CHATS) {
    chats.push({ id, type, feeds: "all" });
    continue;
  }
  const mine = new Set<number>();
  const n = 1 + Math.floor(rand() * 3);
  while (mine.size < n) mine.add(Math.floor(rand() * FEEDS));
  for (const f of mine) namedPerFeed[f] = (namedPerFeed[f] ?? 0) + 1;
  const feeds = [...mine].map((f) => `f${f}`);
  if (i < ARCHIVE_CHATS) feeds.push("archive");
  chats.push({ id, type, feeds });
}
/** Who receives an item of feed f: its named subscribers and every "all" chat. */
const recipients = (f: number) => (namedPerFeed[f] ?? 0) + ALL_CHATS;
const archiveRecipients = ARCHIVE_CHATS + ALL_CHATS;

const tg = await new FakeTelegram().start();
for (const c of chats) tg.addChat({ id: c.id, type: c.type });

const childEnv = (feeds: string[], storeUrl = STORE_URL): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.HTTP_PORT;
  return {
    ...env,
    STORE_URL: storeUrl,
    FEEDS: feedList(feeds),
    BOT_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: tg.apiRoot,
    POLL_CRON,
    LOG_LEVEL: "silent",
    BASELINE_ANNOUNCE: "0",
  };
};

console.log(
  `bantin state benchmark on ${backend}: ${fmt(FEEDS)} feeds × ${ITEMS} items, ${fmt(CHATS)} chats ` +
    `(${fmt(CHATS - ALL_CHATS)} to 1–3 named feeds, ${ALL_CHATS} to "all"), ${fmt(SEEN)} seen ids, ` +
    `${fmt(QUEUED)} queued deliveries (Node ${process.version}, ${FROM_TS ? "tsx" : "compiled"})`,
);

let exitCode = 0;
try {
  // ---------------------------------------------------------------------------------------------
  // 1. The state, through the repositories' own API, in batches.
  const store = await openStore(STORE_URL, { log });
  const repos = createRepos(store, { operatorFeeds: allFeeds, seenTtlMs: 90 * 86_400_000 });

  const [, subsS] = await phase(() =>
    inParallel(chats, 8, async (c) => {
      await repos.subscriptions.subscribe(
        { chatId: c.id, chatType: c.type, title: c.type === "private" ? undefined : `Nhóm ${c.id}` },
        c.feeds,
      );
    }),
  );

  const [, seenS] = await phase(async () => {
    const perFeed = SEEN / FEEDS;
    await inParallel(feedNames, 4, (name) =>
      repos.seen.markSeen(
        name,
        Array.from({ length: perFeed }, (_, j) => `https://tin.example/${name}/old-${j}.html`),
      ),
    );
  });

  // Items for exactly QUEUED deliveries: feeds in turn, the remainder made up exactly.
  const [queuedPlanned, queueS] = await phase(async () => {
    const picks: number[] = [];
    let left = QUEUED;
    const largest = Math.max(...namedPerFeed) + ALL_CHATS;
    for (let f = 0; left > 12 * largest; f = (f + 1) % FEEDS) {
      picks.push(f);
      left -= recipients(f);
    }
    // Unbounded coin change over the recipient counts for the rest.
    const feedOf = new Map<number, number>();
    for (let f = 0; f < FEEDS; f++) if (!feedOf.has(recipients(f))) feedOf.set(recipients(f), f);
    const coin = new Array<number>(left + 1).fill(0);
    const reach = new Array<boolean>(left + 1).fill(false);
    reach[0] = true;
    for (let s = 1; s <= left; s++)
      for (const v of feedOf.keys())
        if (v <= s && reach[s - v]) {
          reach[s] = true;
          coin[s] = v;
          break;
        }
    if (reach[left]) for (let s = left; s > 0; s -= coin[s] ?? s) picks.push(feedOf.get(coin[s] ?? 0) ?? 0);
    else
      for (let f = 0; left > 0; f = (f + 1) % FEEDS) {
        picks.push(f);
        left -= recipients(f);
      }
    const expected = picks.reduce((n, f) => n + recipients(f), 0);
    const items: FeedItem[] = picks.map((f, k) => ({
      id: `queued-${k}`,
      feed: `f${f}`,
      title: `Tin chờ gửi ${k}: Hà Tĩnh khởi công dự án nâng cấp Quốc lộ 8`,
      link: `https://tin.example/f${f}/queued-${k}.html`,
      text: `${SENTENCE}\n\n${SENTENCE}`,
      published: new Date(T0 - k * 60_000).toISOString(),
      categories: ["Thời sự"],
      source: `Báo Thử Nghiệm ${f}`,
    }));
    let planned = 0;
    for (let i = 0; i < items.length; i += 200) {
      const stored = await repos.items.store(items.slice(i, i + 200));
      planned += await repos.deliveries.plan(stored.map((s) => s.rowId));
    }
    return { planned, expected };
  });
  check(
    queuedPlanned.planned === queuedPlanned.expected,
    `building the queue planned ${queuedPlanned.planned} deliveries, expected ${queuedPlanned.expected}`,
  );

  // The first read of every feed (baseline), the production way: everything seen, nothing sent.
  const [baseline, baselineS] = await phase(async () => {
    const config = loadConfig(childEnv([...feedNames, "archive"]), SAMPLE_FEED);
    const app = createApp({ config, log, store });
    const result = await app.runOnce();
    await app.stop();
    return result;
  });
  const baselineErrors = baseline.outcomes.filter((o) => o.status === "error");
  check(baselineErrors.length === 0, `baseline: ${baselineErrors.length} feeds failed`);

  const subCounts = await repos.subscriptions.counts();
  const queue = await repos.deliveries.counts();
  const seenRows = await store.db
    .selectFrom("keyv")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  const subFeedRows = await store.db
    .selectFrom("subscription_feeds")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  await store.close();
  check(subCounts.chats === CHATS, `${subCounts.chats} chats subscribed, expected ${CHATS}`);
  check(queue.pending === QUEUED, `${queue.pending} deliveries queued, expected ${QUEUED}`);
  const seenTotal = Number(seenRows.n);
  check(seenTotal >= SEEN, `${seenTotal} seen ids stored, expected at least ${SEEN}`);
  const buildS = subsS + seenS + queueS + baselineS;
  console.log(
    `state built in ${secs(buildS)}: ${fmt(subCounts.subscriptions)} subscriptions (${fmt(Number(subFeedRows.n))} feed rows) in ${secs(subsS)}, ` +
      `${fmt(SEEN)} seen ids in ${secs(seenS)}, ${fmt(queue.pending)} queued deliveries in ${secs(queueS)}, ` +
      `baseline read of ${fmt(baseline.outcomes.length)} feeds in ${secs(baselineS)} (seen ids now ${fmt(seenTotal)})`,
  );

  // ---------------------------------------------------------------------------------------------
  // The children.
  interface ChildRun {
    result?: Record<string, number | string | boolean>;
    code: number | null;
    signal: NodeJS.Signals | null;
    stderr: string;
  }
  const runChild = (role: string, env: NodeJS.ProcessEnv, nodeFlags: string[] = []): Promise<ChildRun> =>
    new Promise((resolve) => {
      const prof = process.env.BENCH_CPU_PROF
        ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
        : [];
      const args = [...prof, ...nodeFlags, ...(FROM_TS ? ["--import", "tsx"] : []), SELF, "--child", role];
      const child: ChildProcess = spawn(process.execPath, args, {
        env,
        stdio: ["ignore", "inherit", "pipe", "ipc"],
      });
      const run: ChildRun = { code: null, signal: null, stderr: "" };
      child.stderr?.on("data", (d: Buffer) => {
        run.stderr = (run.stderr + d.toString()).slice(-4000);
      });
      child.on("message", (msg: ToParent) => {
        if (msg.type === "feeds") {
          while (docs.length <= msg.version)
            docs.push(Array.from({ length: FEEDS }, (_, f) => feedDoc(f, docs.length)));
          version = msg.version;
        } else if (msg.type === "archive") archive = archiveDoc(true);
        else if (msg.type === "result") run.result = msg.result;
        if (msg.type !== "result") child.send({ ok: true });
      });
      child.on("exit", (code, signal) => resolve({ ...run, code, signal }));
    });
  const failedChild = (role: string, run: ChildRun) => {
    const last = run.stderr.trim().split("\n").slice(-3).join(" | ");
    return `${role} child ended with ${run.signal ?? `exit code ${run.code}`} and no result${last ? `: ${last}` : ""}`;
  };
  const num = (r: ChildRun, key: string) => Number(r.result?.[key] ?? Number.NaN);

  // 2. Start-up: on this state, and on an empty store with the same configuration (the base).
  const startup = await runChild("startup", childEnv([...feedNames, "archive"]), ["--expose-gc"]);
  if (!startup.result) check(false, failedChild("start-up", startup));
  const emptyPg = pgDb && values.store ? await createPgDatabase(values.store) : undefined;
  const emptyPath = join(tmpdir(), `bantin-state-${process.pid}-empty.sqlite`);
  let empty: ChildRun;
  try {
    empty = await runChild(
      "startup",
      childEnv([...feedNames, "archive"], emptyPg ? emptyPg.url : `sqlite://${emptyPath}`),
      ["--expose-gc"],
    );
  } finally {
    if (emptyPg) await emptyPg.drop();
    else for (const suffix of ["", "-wal", "-shm"]) rmSync(`${emptyPath}${suffix}`, { force: true });
  }
  if (!empty.result) check(false, failedChild("start-up (empty store)", empty));

  // 3. The poll cycle: 1,000 feeds, one new item each.
  const expectedPlanned = feedNames.reduce((n, _, f) => n + recipients(f), 0);
  const cycle = await runChild("cycle", childEnv(feedNames));
  if (cycle.result) {
    check(num(cycle, "errors") === 0, `poll cycle: ${num(cycle, "errors")} feeds failed`);
    check(
      num(cycle, "newItems") === FEEDS,
      `poll cycle: ${num(cycle, "newItems")} new items, expected ${FEEDS}`,
    );
    check(
      num(cycle, "planned") === expectedPlanned,
      `poll cycle: ${num(cycle, "planned")} deliveries planned, expected ${expectedPlanned}`,
    );
    check(
      num(cycle, "samePlanned") === 0 && num(cycle, "sameNewItems") === 0,
      `second cycle with nothing new: ${num(cycle, "sameNewItems")} new items, ${num(cycle, "samePlanned")} deliveries planned`,
    );
  } else check(false, failedChild("poll cycle", cycle));

  // 4. The archive re-published, under a 1 GiB heap.
  const archiveRun = await runChild("archive", childEnv(["archive"]), [
    `--max-old-space-size=${ARCHIVE_HEAP_MB}`,
  ]);
  const oom = /heap out of memory|Allocation failed/i.test(archiveRun.stderr);
  if (archiveRun.result) {
    const announced = num(archiveRun, "announced");
    check(
      archiveRun.result.status === "new",
      `archive: the feed read ended "${archiveRun.result.status}" ${archiveRun.result.error}`,
    );
    check(
      num(archiveRun, "stored") === ARCHIVE_NEW,
      `archive: ${num(archiveRun, "stored")} items stored, expected ${ARCHIVE_NEW}`,
    );
    check(
      announced + num(archiveRun, "held") === ARCHIVE_NEW,
      `archive: ${announced} announced + ${num(archiveRun, "held")} held ≠ ${ARCHIVE_NEW} new items`,
    );
    check(
      num(archiveRun, "planned") === announced * archiveRecipients,
      `archive: ${num(archiveRun, "planned")} deliveries planned for ${announced} announced items × ${archiveRecipients} chats`,
    );
  } else if (!oom) check(false, failedChild("archive", archiveRun));

  // ---------------------------------------------------------------------------------------------
  // The figures.
  const rows: Array<[string, string, string, boolean | undefined]> = [];
  const row = (label: string, value: string, goal = "", met?: boolean) =>
    rows.push([label, value, goal, met]);
  if (startup.result) {
    const s = startup;
    row(
      "start-up: open store + createApp + worker",
      `${fmt(num(s, "startupMs"))} ms`,
      `(${fmt(num(s, "sinceProcessStartMs"))} ms since the process started)`,
    );
    row(
      "start-up: RSS",
      mib(num(s, "rss")),
      `goal < 150 MiB (modules loaded ${mib(num(s, "rssLoaded"))}, store open ${mib(num(s, "rssStore"))}, app ${mib(num(s, "rssApp"))})`,
      num(s, "rss") < GOAL_RSS,
    );
    if (empty.result)
      row(
        "  the same start-up on an empty store",
        mib(num(empty, "rss")),
        `difference ${mib(num(s, "rss") - num(empty, "rss"))} (runs vary by a few MiB); ${fmt(num(empty, "startupMs"))} ms`,
      );
    row(
      "start-up: RSS after a forced GC",
      s.result?.gc ? mib(num(s, "rssGc")) : "(no gc)",
      `goal < 150 MiB (heap ${mib(num(s, "heapGc"))})`,
      num(s, "rssGc") < GOAL_RSS,
    );
    row(
      "start-up: largest single read",
      `${fmt(num(s, "maxRows"))} rows`,
      `goal: no table whole (≤ the worker's window, < ${fmt(CHATS)} subscriptions); from ${/from "(\w+)"/.exec(String(s.result?.maxSql))?.[1] ?? "?"}`,
      num(s, "maxRows") <= Math.max(1, num(s, "window")) && num(s, "maxRows") < CHATS,
    );
    row("start-up: rows read in all", `${fmt(num(s, "rows"))} rows`, `in ${fmt(num(s, "reads"))} queries`);
    row(
      "start-up: deliveries held by the worker",
      fmt(num(s, "window")),
      `of ${fmt(queue.pending)} queued: goal < queued (a bounded window)`,
      num(s, "window") < queue.pending,
    );
  }
  if (cycle.result) {
    const c = cycle;
    const planCpu = num(c, "cpuS") - num(c, "sameCpuS");
    row(
      "poll cycle: 1,000 feeds × 1 new item, CPU",
      secs(num(c, "cpuS")),
      "goal ≤ 2 s",
      num(c, "cpuS") <= GOAL_CYCLE_CPU_S,
    );
    row("poll cycle: wall time", secs(num(c, "wallS")), `(FETCH_CONCURRENCY feeds at a time)`);
    row(
      "  same feeds, nothing new (fetch+parse), CPU",
      secs(num(c, "sameCpuS")),
      `wall ${secs(num(c, "sameWallS"))}`,
    );
    row(
      "  so storing + planning cost, CPU",
      secs(planCpu),
      `${fmt((planCpu * 1e6) / Math.max(1, num(c, "planned")), 1)} µs per delivery`,
    );
    row(
      "poll cycle: deliveries planned",
      fmt(num(c, "planned")),
      `expected ${fmt(expectedPlanned)} (each feed's subscribers + ${ALL_CHATS} "all")`,
    );
    row(
      "  first cycle of the process (+ maintenance)",
      secs(num(c, "warmCpuS")),
      `CPU, wall ${secs(num(c, "warmWallS"))}, nothing new`,
    );
    row("poll cycle: peak RSS of the process", mib(num(c, "peakRss")));
    row(
      "poll cycle: deliveries held by the idle worker",
      fmt(num(c, "idleWindow")),
      "(its worker was never started; the sink's wake() still reads the queue)",
    );
  }
  if (archiveRun.result) {
    const a = archiveRun;
    const max = num(a, "announceMax");
    row(
      "archive: deliveries planned",
      fmt(num(a, "planned")),
      `goal ≤ ANNOUNCE_MAX ${max} × ${archiveRecipients} chats (${ARCHIVE_CHATS} by name + ${ALL_CHATS} "all") = ${fmt(max * archiveRecipients)}`,
      num(a, "planned") <= max * archiveRecipients,
    );
    row(
      "archive: most deliveries to one chat",
      fmt(num(a, "maxPerChat")),
      `goal ≤ ANNOUNCE_MAX ${max} (${fmt(num(a, "chats"))} chats got some)`,
      num(a, "maxPerChat") <= max,
    );
    row(
      "archive: items held (stored, not posted)",
      fmt(num(a, "held")),
      `of ${fmt(ARCHIVE_NEW)} new; ${fmt(num(a, "announced"))} announced`,
    );
    row(
      "archive: cycle time",
      secs(num(a, "wallS")),
      `CPU ${secs(num(a, "cpuS"))}; document ${mib(archive.length)}`,
    );
    row(
      "archive: peak RSS during the cycle",
      mib(num(a, "peakRss")),
      `before ${mib(num(a, "rssBefore"))}; peak heap ${mib(num(a, "peakHeap"))}`,
    );
    row(
      `archive: within --max-old-space-size=${ARCHIVE_HEAP_MB}`,
      "yes",
      `heap limit ${mib(num(a, "heapLimit"))}`,
      num(a, "peakHeap") < ARCHIVE_HEAP_MB * MiB,
    );
  } else if (oom) {
    row(`archive: within --max-old-space-size=${ARCHIVE_HEAP_MB}`, "no", "the child ran out of heap", false);
  }

  console.log("-".repeat(110));
  const w1 = Math.max(...rows.map((r) => r[0].length));
  const w2 = Math.max(...rows.map((r) => r[1].length));
  for (const [label, value, goal, met] of rows)
    console.log(
      `${label.padEnd(w1)}  ${value.padStart(w2)}  ${goal}${met === false ? "  NOT MET" : ""}`.trimEnd(),
    );
  console.log("-".repeat(110));
  console.log(`whole run: ${secs((performance.now() - started) / 1000)}`);
  if (pgDb) console.log("(PostgreSQL: the server's own CPU is not in the figures, only this client's)");
} catch (error) {
  failures.push(
    `the benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
} finally {
  await tg.close();
  await server.close();
  if (pgDb) await pgDb.drop().catch((err) => failures.push(`could not drop the database: ${err}`));
  else for (const suffix of ["", "-wal", "-shm"]) rmSync(`${dbPath}${suffix}`, { force: true });
}
for (const f of failures) console.log(`FAILED: ${f}`);
if (failures.length) exitCode = 1;
process.exit(exitCode);
