/**
 * npm run bench:fanout [-- --groups 300 --privates 200 --rate 25 --latency 30]
 *
 * One new item to N groups and M private chats through the fake Bot API server (real HTTP on
 * loopback) enforcing Telegram's limits: 1 message/s per chat, 20/min per group, 30/s overall,
 * answering 429 with retry_after past them. Prints the achieved rate against the configured
 * ceiling, the 429s received, and messages lost or doubled. Goal: ≥ 98% of the ceiling, zero
 * lost, zero doubled. Everything goes the production way: subscriptions and deliveries in SQLite,
 * the delivery worker claiming rows, the flood budget pacing them.
 */
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Api } from "grammy";
import { createFloodBudget } from "../src/delivery/budget.js";
import { createDeliveryWorker } from "../src/delivery/worker.js";
import type { FeedItem } from "../src/domain/types.js";
import { createLogger } from "../src/log.js";
import { createRepos } from "../src/store/repos.js";
import { openStore } from "../src/store/store.js";
import { FakeTelegram, TOKEN } from "../test/fakes/telegram-server.js";

const { values } = parseArgs({
  options: {
    groups: { type: "string", default: "300" },
    privates: { type: "string", default: "200" },
    rate: { type: "string", default: "25" },
    latency: { type: "string", default: "30" },
    paid: { type: "boolean", default: false },
  },
});
const GROUPS = Number(values.groups);
const PRIVATES = Number(values.privates);
const RATE = Number(values.rate);
const log = createLogger("silent");

const tg = await new FakeTelegram({
  limits: true,
  globalPerSecond: values.paid ? 1000 : 30,
  latencyMs: Number(values.latency),
}).start();
const chats = [
  ...Array.from({ length: GROUPS }, (_, i) => tg.addChat({ id: -1_000_000 - i, type: "supergroup" })),
  ...Array.from({ length: PRIVATES }, (_, i) => tg.addChat({ id: 1_000_000 + i, type: "private" })),
];
const dbPath = join(tmpdir(), `bantin-fanout-${process.pid}.sqlite`);
const store = await openStore(`sqlite://${dbPath}`, { log });
const repos = createRepos(store, { operatorFeeds: [], seenTtlMs: 86_400_000 });
for (const c of chats) await repos.subscriptions.subscribe({ chatId: c.id, chatType: c.type }, "all");
const budget = createFloodBudget({ rate: RATE, log });
const api = new Api(TOKEN, { apiRoot: tg.apiRoot, timeoutSeconds: 30 });
api.config.use(budget.transformer("post"));
const worker = createDeliveryWorker({
  api,
  budget,
  deliveries: repos.deliveries,
  items: repos.items,
  subscriptions: repos.subscriptions,
  settings: repos.settings,
  log,
  digestHeader: (_l, n) => `📰 ${n} tin mới`,
  timeZone: "Asia/Ho_Chi_Minh",
  defaultLanguage: "vi",
  paidBroadcast: values.paid,
  digestThreshold: 5,
  owner: "bench",
  claimTtlMs: 60_000,
  retryMaxMs: 86_400_000,
  maxInFlight: values.paid ? 64 : 12,
});
const item: FeedItem = {
  id: "bench-1",
  feed: "hatinh",
  title: "Hà Tĩnh: khởi công dự án nâng cấp Quốc lộ 8 đoạn qua Hồng Lĩnh",
  link: "https://baohatinh.example/ql8.html",
  text: "Sáng 26/11, Sở Giao thông vận tải khởi công dự án với tổng mức đầu tư 512 tỷ đồng. Dự án dài 7,2 km.",
  categories: ["Giao thông"],
  published: "2026-11-26T09:00:00+07:00",
  source: "Báo Hà Tĩnh",
};

const started = performance.now();
const stored = await repos.items.store([item]);
const planned = await repos.deliveries.plan(stored.map((s) => s.rowId));
const planMs = performance.now() - started;
await worker.start();
await worker.drained();
const elapsed = (performance.now() - started) / 1000;
await worker.stop(1000);

const perChat = new Map<number, number>();
for (const m of tg.sent) perChat.set(m.chatId, (perChat.get(m.chatId) ?? 0) + 1);
const lost = chats.filter((c) => !perChat.has(c.id)).length;
const doubled = [...perChat.values()].filter((n) => n > 1).length;
const first = Math.min(...tg.sent.map((m) => m.at));
const last = Math.max(...tg.sent.map((m) => m.at));
const span = Math.max(0.001, (last - first) / 1000);
// N messages spaced 1/rate apart take (N-1)/rate seconds.
const achieved = (tg.sent.length - 1) / span;
const ceiling = RATE;
console.log(
  `bantin fan-out benchmark: 1 item → ${GROUPS} groups + ${PRIVATES} private chats (fake Bot API enforcing Telegram's limits, ${values.latency} ms per request${values.paid ? ", paid broadcast" : ""})`,
);
console.log(`planned:           ${planned} deliveries in ${planMs.toFixed(0)} ms (one INSERT … SELECT)`);
console.log(
  `messages sent:     ${tg.sent.length} in ${span.toFixed(2)} s (total ${elapsed.toFixed(2)} s with planning)`,
);
console.log(
  `achieved rate:     ${achieved.toFixed(2)} msg/s against a ceiling of ${ceiling} msg/s = ${((100 * achieved) / ceiling).toFixed(1)}% (goal ≥ 98%)`,
);
console.log(`429s received:     ${tg.flood429}`);
console.log(`lost:              ${lost}`);
console.log(`doubled:           ${doubled}`);
await store.close();
await tg.close();
rmSync(dbPath, { force: true });
rmSync(`${dbPath}-wal`, { force: true });
rmSync(`${dbPath}-shm`, { force: true });
process.exit(lost || doubled ? 1 : 0);
