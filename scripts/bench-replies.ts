/**
 * npm run bench:replies [-- --groups 250 --privates 250 --people 300 --spread 5000 --rate 25 --latency 30
 *                          --tg-rate 30 --log silent]
 *
 * Command replies during a fan-out, on the real app (createApp + start: long polling, the bot's
 * handlers, the delivery worker, one flood budget shared by both) against the fake Bot API
 * server enforcing Telegram's limits (1 message/s per chat, 20/min per group, 30/s overall,
 * 429 + retry_after past them). N chats are subscribed to everything; a new item starts the
 * fan-out to them, and while it runs P people who are not subscribed yet send /subscribe from
 * their private chats, spread over S ms. Goals (the issue): every person answered within 60 s,
 * ≤ 1% of all sends answered 429, no send inside an announced retry_after window, every post
 * delivered once. Exits non-zero only on a lost or doubled post.
 */
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/log.js";
import { openStore } from "../src/store/store.js";
import { type RssItemSpec, rss, startFeedServer } from "../test/fakes/feed-server.js";
import { FakeTelegram, TOKEN } from "../test/fakes/telegram-server.js";

const { values } = parseArgs({
  options: {
    groups: { type: "string", default: "250" },
    privates: { type: "string", default: "250" },
    people: { type: "string", default: "300" },
    spread: { type: "string", default: "5000" },
    rate: { type: "string", default: "25" },
    latency: { type: "string", default: "30" },
    /** The fake's global messages per second before 429 (Telegram: about 30). */
    "tg-rate": { type: "string", default: "30" },
    /** Log level of the app (to stderr); "warn" shows the flood budget's 429 and drop lines. */
    log: { type: "string", default: "silent" },
  },
});
const GROUPS = Number(values.groups);
const PRIVATES = Number(values.privates);
const PEOPLE = Number(values.people);
const SPREAD_MS = Number(values.spread);
const LATENCY = Number(values.latency);
const ANSWER_WITHIN_MS = 60_000;
const TG_RATE = Number(values["tg-rate"]);
const GOAL_429_SHARE = 0.01;
/** The run ends this long after the last command at the latest (keeps one run under ~2 min). */
const DEADLINE_AFTER_LAST_MS = 75_000;

// The /subscribe all reply (src/telegram/locales/vi.ftl): sub-done.
const SUB_DONE = "✅ Đã đăng ký.";

const log = createLogger(values.log);
const tg = await new FakeTelegram({
  limits: true,
  latencyMs: LATENCY,
  globalPerSecond: Number(values["tg-rate"]),
}).start();

// Every 429 the fake answers, by chat and time (for the split between replies and posts).
const floods: Array<{ chatId: number; at: number; retryAfter: number }> = [];
{
  const fake = tg as unknown as {
    floodError: (method: string, chatId: number, retryAfter: number, global: boolean) => Error;
  };
  const original = fake.floodError.bind(tg);
  fake.floodError = (method, chatId, retryAfter, global) => {
    floods.push({ chatId, at: Date.now(), retryAfter });
    return original(method, chatId, retryAfter, global);
  };
}

const subscribed = [
  ...Array.from({ length: GROUPS }, (_, i) => tg.addChat({ id: -1_000_000 - i, type: "supergroup" })),
  ...Array.from({ length: PRIVATES }, (_, i) => tg.addChat({ id: 1_000_000 + i, type: "private" })),
];
const subscribedIds = new Set(subscribed.map((c) => c.id));
// Private chat id = user id, as in Telegram.
const people = Array.from(
  { length: PEOPLE },
  (_, i) => tg.addChat({ id: 2_000_000 + i, type: "private" }).id,
);
const peopleIds = new Set(people);

const story = (n: number): RssItemSpec => ({
  title: `Tin số ${n}: Hà Tĩnh khởi công dự án nâng cấp Quốc lộ 8`,
  link: `https://tin.example/${n}.html`,
  guid: `g${n}`,
  date: new Date(Date.UTC(2026, 10, 1, 0, n)).toUTCString(),
  description: `<p>Sáng 26/11, Sở Giao thông vận tải khởi công dự án số ${n} với tổng mức đầu tư 512 tỷ đồng.</p>`,
});
let items = [story(1)];
const feeds = await startFeedServer();
feeds.route(
  "/rss",
  (_req, res) =>
    void res.writeHead(200, { "content-type": "application/rss+xml" }).end(rss(items, "Báo Hà Tĩnh")),
);

const dbPath = join(tmpdir(), `bantin-replies-${process.pid}.sqlite`);
const config = loadConfig(
  {
    FEEDS: `hatinh=${feeds.url("/rss")}`,
    STORE_URL: `sqlite://${dbPath}`,
    BOT_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: tg.apiRoot,
    POLL_CRON: "0 0 1 1 *",
    LOG_LEVEL: values.log,
    SEND_RATE: values.rate,
  },
  "/nonexistent.xml",
);
const store = await openStore(config.STORE_URL, { log });
const app = createApp({ config, log, store });
// Where a reply's time goes: an outermost transformer on the bot's Api (installed last, so it
// sees each call before the flood budget does) notes when the bot received each person's update
// and when the handler asked to send the first reply.
const updateAt = new Map<number, number>();
const askedAt = new Map<number, number>();
app.bot?.api.config.use(async (prev, method, payload, signal) => {
  const p = payload as { chat_id?: unknown; text?: unknown };
  if (method === "sendMessage" && peopleIds.has(Number(p.chat_id)) && String(p.text).startsWith(SUB_DONE))
    askedAt.set(Number(p.chat_id), Date.now());
  const res = await prev(method, payload, signal);
  if (method === "getUpdates" && res.ok) {
    const at = Date.now();
    for (const u of res.result as Array<{ message?: { chat: { id: number } } }>) {
      const id = u.message?.chat.id;
      if (id !== undefined && peopleIds.has(id) && !updateAt.has(id)) updateAt.set(id, at);
    }
  }
  return res;
});
await app.start();
// The first read (started by start()) is the baseline: story 1 is known before anyone subscribes.
await app.runOnce();
for (const c of subscribed)
  await app.repos.subscriptions.subscribe({ chatId: c.id, chatType: c.type }, "all");
const worker = app.worker;
const budget = app.budget;
if (!worker || !budget) throw new Error("the app has no delivery worker (BOT_TOKEN not set?)");
await worker.drained();

const sentBefore = tg.sent.length;
const callsBefore = tg.calls.length;
const floodsBefore = floods.length;
const violationsBefore = tg.violations;

// The fan-out: one new item to every subscribed chat.
items = [story(2), story(1)];
const fanoutStarted = Date.now();
const cycle = await app.runOnce();

// While it runs: PEOPLE /subscribe commands from people not subscribed yet, spread over SPREAD_MS.
const pushedAt = new Map<number, number>();
await new Promise<void>((resolve) => {
  let i = 0;
  const t0 = Date.now();
  const tick = () => {
    const due = Math.min(PEOPLE, Math.floor(((Date.now() - t0) / SPREAD_MS) * PEOPLE) + 1);
    while (i < due) {
      const id = people[i++] as number;
      pushedAt.set(id, Date.now());
      // "all" said outright: /subscribe alone in a private chat first asks where (buttons).
      tg.message(id, id, "/subscribe all");
    }
    if (i < PEOPLE) setTimeout(tick, 10);
    else resolve();
  };
  tick();
});
const lastPush = Date.now();

/** Everything each person's chat received after their command. */
const answers = (id: number) => tg.sentTo(id).filter((m) => m.at >= (pushedAt.get(id) ?? 0));
const isAnswered = (id: number) => {
  const got = answers(id);
  return got.some((m) => m.text.startsWith(SUB_DONE));
};
const fanoutDone = () => subscribed.every((c) => tg.sentTo(c.id).length > 0);
const settled = () => {
  const s = budget.stats();
  return s.repliesWaiting === 0 && worker.stats().pending === 0 && worker.stats().inFlight === 0;
};
// Done when every post is out, nothing waits, and every person has their answer, or nothing
// more has been sent for a while (a dropped reply never comes).
const deadline = lastPush + DEADLINE_AFTER_LAST_MS;
let seen = tg.sent.length;
let lastChange = Date.now();
while (Date.now() < deadline) {
  if (tg.sent.length !== seen) {
    seen = tg.sent.length;
    lastChange = Date.now();
  }
  const quiet = Date.now() - lastChange > 5000;
  if (fanoutDone() && settled() && (people.every(isAnswered) || quiet)) break;
  await new Promise((r) => setTimeout(r, 100));
}
// Late sends still in flight land (or not) within a moment.
await new Promise((r) => setTimeout(r, 1500));
const endedAt = Date.now();

// ---- figures ----
const sends = tg.calls
  .slice(callsBefore)
  .filter((c) => c.method === "sendMessage" || c.method === "sendPhoto").length;
const sent = tg.sent.slice(sentBefore);
const runFloods = floods.slice(floodsBefore);
const violations = tg.violations - violationsBefore;
const violationLog = tg.violationLog.filter((v) => v.at >= fanoutStarted);

const latencies: number[] = [];
let answered = 0;
let within = 0;
let subscribedOk = 0;
for (const id of people) {
  const first = answers(id).find((m) => m.text.startsWith(SUB_DONE));
  if (first) {
    answered++;
    const ms = first.at - (pushedAt.get(id) ?? first.at);
    latencies.push(ms);
    if (ms <= ANSWER_WITHIN_MS) within++;
  }
  if (await app.repos.subscriptions.get(id)) subscribedOk++;
}
latencies.sort((a, b) => a - b);
const pctOf = (sorted: number[], p: number) =>
  sorted.length ? (sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number) : NaN;
const pct = (p: number) => pctOf(latencies, p);
// The stages of the first reply: the update reaching the bot, the handler, the flood budget + HTTP.
const stage = (from: (id: number) => number | undefined, to: (id: number) => number | undefined) =>
  people
    .flatMap((id) => {
      const a = from(id);
      const b = to(id);
      return a === undefined || b === undefined ? [] : [b - a];
    })
    .sort((a, b) => a - b);
const firstReplyAt = (id: number) => answers(id).find((m) => m.text.startsWith(SUB_DONE))?.at;
const toBot = stage(
  (id) => pushedAt.get(id),
  (id) => updateAt.get(id),
);
const inHandler = stage(
  (id) => updateAt.get(id),
  (id) => askedAt.get(id),
);
const inBudget = stage((id) => askedAt.get(id), firstReplyAt);
const sec = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : "—");

const posts = sent.filter((m) => subscribedIds.has(m.chatId));
const replies = sent.filter((m) => peopleIds.has(m.chatId));
const perChat = new Map<number, number>();
for (const m of posts) perChat.set(m.chatId, (perChat.get(m.chatId) ?? 0) + 1);
const missing = subscribed.filter((c) => !perChat.has(c.id)).length;
// A post not delivered yet but still pending in the queue (the run ended first) is late, not lost.
const queue = await app.repos.deliveries.counts();
const lost = Math.max(0, missing - queue.pending);
const doubled = [...perChat.values()].filter((n) => n > 1).length;
// Anything else in the people's chats (an error reply after a refused reply, say).
const others = replies.filter((m) => !m.text.startsWith(SUB_DONE));
const postFirst = Math.min(...posts.map((m) => m.at));
const postLast = Math.max(...posts.map((m) => m.at));
const postSpan = Math.max(0.001, (postLast - postFirst) / 1000);
const postRate = posts.length > 1 ? (posts.length - 1) / postSpan : 0;
// Everything the token sent while the fan-out ran (its posts and the replies in between).
const inSpan = sent.filter((m) => m.at >= postFirst && m.at <= postLast).length;
const tokenRate = inSpan > 1 ? (inSpan - 1) / postSpan : 0;
const share = sends ? runFloods.length / sends : 0;
const floodsToReplies = runFloods.filter((f) => peopleIds.has(f.chatId)).length;
const b = budget.stats();
const w = worker.stats();
const miss = (bad: boolean) => (bad ? "   NOT MET" : "");

console.log(
  `bantin reply benchmark: ${PEOPLE} × /subscribe over ${(SPREAD_MS / 1000).toFixed(1)} s during a fan-out to ${GROUPS} groups + ${PRIVATES} private chats (real app, fake Bot API enforcing Telegram's limits${TG_RATE === 30 ? "" : ` with ${TG_RATE}/s overall`}, ${LATENCY} ms per request, SEND_RATE ${config.SEND_RATE}, REPLY_MAX_WAIT_MS ${config.REPLY_MAX_WAIT_MS})`,
);
console.log(
  `fan-out:           ${cycle.newItems} new item; the last command pushed ${((lastPush - fanoutStarted) / 1000).toFixed(2)} s after it started; run took ${((endedAt - fanoutStarted) / 1000).toFixed(1)} s`,
);
console.log(
  `replies answered:  ${answered} of ${PEOPLE}; within 60 s: ${within} (goal ${PEOPLE})${miss(within < PEOPLE)}`,
);
console.log(
  `reply latency:     p50 ${sec(pct(0.5))}, p95 ${sec(pct(0.95))}, max ${sec(latencies.at(-1) ?? NaN)}${miss(latencies.length > 0 && (latencies.at(-1) as number) > ANSWER_WITHIN_MS)}`,
);
const spread = (xs: number[]) =>
  `p50 ${sec(pctOf(xs, 0.5))}, p95 ${sec(pctOf(xs, 0.95))}, max ${sec(xs.at(-1) ?? NaN)}`;
console.log(`  to the bot:      ${spread(toBot)} (command pushed → getUpdates answer reached the bot)`);
console.log(`  handler:         ${spread(inHandler)} (update → ctx.reply called)`);
console.log(
  `  budget + send:   ${spread(inBudget)} (ctx.reply → Telegram accepted it; ${askedAt.size} asked)`,
);
console.log(
  `replies dropped:   ${b.repliesDropped} by the flood budget (logged); subscriptions recorded: ${subscribedOk} of ${PEOPLE}`,
);
console.log(
  `sends:             ${sends} (${replies.length} replies + ${posts.length} posts accepted, ${sends - sent.length} refused)`,
);
console.log(
  `429s:              ${runFloods.length} = ${(100 * share).toFixed(2)}% of sends (goal ≤ 1%)${miss(share > GOAL_429_SHARE)}; to reply chats ${floodsToReplies}, to post chats ${runFloods.length - floodsToReplies}`,
);
console.log(
  `violations:        ${violations} sends inside an announced retry_after window (goal 0)${miss(violations > 0)}${violationLog.length ? `; to reply chats ${violationLog.filter((v) => peopleIds.has(v.chatId)).length}` : ""}`,
);
console.log(
  `fan-out posts:     ${posts.length} delivered to ${perChat.size} of ${subscribed.length} chats; lost ${lost}, doubled ${doubled}${lost || doubled ? "   FAILED" : ""}${missing - lost ? `; ${missing - lost} still queued when the run ended   NOT MET` : ""}; dead letters ${queue.dead}`,
);
if (others.length) {
  const kinds = new Map<string, number>();
  for (const m of others) kinds.set(m.text.slice(0, 40), (kinds.get(m.text.slice(0, 40)) ?? 0) + 1);
  console.log(
    `other messages:    ${others.length} in the people's chats: ${[...kinds].map(([t, n]) => `${n} × “${t}…”`).join(", ")}`,
  );
}
console.log(
  `fan-out rate:      posts ${postRate.toFixed(2)} msg/s over ${postSpan.toFixed(2)} s; the token's whole rate then ${tokenRate.toFixed(2)} msg/s (SEND_RATE ${config.SEND_RATE})`,
);
console.log(
  `worker:            sent ${w.sent}, 429s ${w.flood429}, retries ${w.retries}, dead-lettered ${w.deadLettered}, pending ${w.pending}; budget granted ${b.granted}, waiting ${b.repliesWaiting} replies + ${b.postsWaiting} posts`,
);

await app.stop();
await store.close();
await tg.close();
await feeds.close();
rmSync(dbPath, { force: true });
rmSync(`${dbPath}-wal`, { force: true });
rmSync(`${dbPath}-shm`, { force: true });
process.exit(lost || doubled ? 1 : 0);
