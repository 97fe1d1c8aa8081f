/**
 * npm run bench:pipeline [-- --feeds 40 --items 50 --rounds 5]
 *
 * Serves many generated Vietnamese feeds from a local HTTP server and times each stage of the
 * pipeline per item (fetch+decode, parse, normalise, dedupe, summarise, format) next to bare
 * rss-parser parsing of the same text, plus a full poll cycle in which every feed answers 304,
 * and peak memory. Goal: the whole pipeline costs at most 1.5× bare rss-parser per item.
 * Last, what adaptive polling costs for 1,000 feeds against a fixed 5-minute poll (poll-cost.ts).
 */

import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Parser from "rss-parser";
import type { FeedItem } from "../src/domain/types.js";
import { decodeFeed } from "../src/feeds/decode.js";
import { createFetcher } from "../src/feeds/fetch.js";
import { dedupeKeys, itemBody, normalizeItem } from "../src/feeds/normalize.js";
import { type ParsedFeed, parseFeed } from "../src/feeds/parse.js";
import { createPoller } from "../src/feeds/poller.js";
import { createLogger } from "../src/log.js";
import { projectRoot } from "../src/paths.js";
import { createRepos } from "../src/store/repos.js";
import { openStore } from "../src/store/store.js";
import { formatPost, type RenderOptions, renderPost, summaryBudget } from "../src/telegram/render.js";
import { removeFurniture } from "../src/text/furniture.js";
import { summarize } from "../src/text/summary.js";
import { printPollCost } from "./poll-cost.js";

const { values } = parseArgs({
  options: {
    feeds: { type: "string", default: "40" },
    items: { type: "string", default: "50" },
    rounds: { type: "string", default: "5" },
  },
});
const FEEDS = Number(values.feeds);
const ITEMS = Number(values.items);
const ROUNDS = Number(values.rounds);

const SENTENCES = [
  "Chiều ngày 29/2/2024, Huyện ủy Lộc Hà tổ chức tổng kết công tác xây dựng Đảng nhiệm kỳ 2020 - 2025.",
  "Huyện đã mở 169 lớp quán triệt nghị quyết với 36.403 lượt người tham dự, kết nạp mới 373 đảng viên.",
  "PGS.TS. Nguyễn Văn An cho rằng tỉnh cần khoảng 3,5 nghìn tỷ đồng để nâng cấp 42 km đê biển.",
  "Đoàn học sinh vừa trở về từ TP.HCM sau kỳ thi, giành 1 huy chương vàng và 2 huy chương đồng.",
  "Giá xăng RON 95-III giảm 420 đồng/lít, còn 20.150 đồng/lít từ 15h chiều nay.",
  "Lực lượng chức năng đã cắm biển cảnh báo, bố trí người trực tại các ngầm tràn...",
  '"Nếu không gia cố trước mùa mưa bão, hàng nghìn hộ dân ven biển sẽ bị đe dọa." Ông An nói.',
  "Xem chi tiết tại https://baohatinh.example/de-bien hoặc liên hệ toasoan@baohatinh.example.",
];

function feedXml(f: number, fresh = 0): string {
  const items: string[] = [];
  // `fresh` new items on top, the oldest ones drop off the end, as a live feed does.
  for (let i = -fresh; i < ITEMS - fresh; i++) {
    const paras = [0, 1, 2, 3]
      .map((p) => `<p>${SENTENCES.slice((i + p) % 5, ((i + p) % 5) + 3).join(" ")}</p>`)
      .join("");
    items.push(`<item><title>Tin ${f}-${i}: Hà Tĩnh đẩy mạnh chuyển đổi số &amp; cải cách hành chính</title>
<link>https://baohatinh.example/tin-${f}-${i}.html?utm_source=rss</link><guid isPermaLink="false">${f}-${i}</guid>
<category>Thời sự</category><pubDate>Fri, 27 Nov 2026 ${String(i % 24).padStart(2, "0")}:00:00 +0700</pubDate>
<enclosure url="https://baohatinh.example/img/${f}-${i}.jpg" type="image/jpeg" length="1000"/>
<description><![CDATA[<a href="https://baohatinh.example/tin-${f}-${i}.html"><img src="https://baohatinh.example/img/${f}-${i}_s.jpg"></a></br>${paras}]]></description></item>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Báo Hà Tĩnh ${f}</title><link>https://baohatinh.example/</link>${items.join("\n")}</channel></rss>`;
}

const NEW_PER_FEED = 2;
let version = 0;
const bodies = [0, NEW_PER_FEED].map((fresh) =>
  Array.from({ length: FEEDS }, (_, f) => Buffer.from(feedXml(f, fresh))),
);
const server = http.createServer((req, res) => {
  const f = Number((req.url ?? "/0").slice(1));
  const etag = `"feed-${f}-v${version}"`;
  if (req.headers["if-none-match"] === etag) return void res.writeHead(304).end();
  res
    .writeHead(200, { "content-type": "application/rss+xml; charset=utf-8", etag })
    .end(bodies[version]?.[f]);
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const port = (server.address() as AddressInfo).port;
const url = (f: number) => `http://127.0.0.1:${port}/${f}`;

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 5);

const log = createLogger("silent");
const render: RenderOptions = {
  language: "vi",
  timeZone: "Asia/Ho_Chi_Minh",
  summaryChars: 600,
  withImage: true,
};
const fetcher = createFetcher({
  timeoutMs: 10_000,
  connectTimeoutMs: 5_000,
  maxBytes: 5 << 20,
  maxRedirects: 3,
  allowPrivate: true,
});
const bare = new Parser();
const totals: Record<string, number[]> = {};
const add = (stage: string, ms: number) => {
  totals[stage] ??= [];
  totals[stage].push(ms);
};
const time = async <T>(stage: string, fn: () => Promise<T> | T): Promise<T> => {
  const t0 = performance.now();
  const out = await fn();
  add(stage, performance.now() - t0);
  return out;
};

for (let round = 0; round < ROUNDS + 1; round++) {
  const dbPath = join(tmpdir(), `bantin-bench-${process.pid}-${round}.sqlite`);
  const store = await openStore(`sqlite://${dbPath}`, { log });
  const repos = createRepos(store, { operatorFeeds: [], seenTtlMs: 86_400_000 });
  const seen = repos.seen;
  const texts = await time("fetch+decode", async () => {
    const out: string[] = [];
    for (let f = 0; f < FEEDS; f++) {
      const res = await fetcher.fetch({ url: url(f), kind: "http", trusted: true });
      if (res.status === "ok") out.push(decodeFeed(res.body, res.contentType).text);
    }
    return out;
  });
  const parsed = await time("parse", async () => {
    const out: ParsedFeed[] = [];
    for (const t of texts) out.push(await parseFeed(t));
    return out;
  });
  await time("bare rss-parser", async () => {
    for (const t of texts) await bare.parseString(t);
  });
  const items = await time("normalise", () =>
    parsed.map((p, f) =>
      p.items.map((raw) => normalizeItem(raw, `f${f}`, p)).filter((x): x is FeedItem => !!x),
    ),
  );
  await time("dedupe", async () => {
    for (let f = 0; f < items.length; f++) {
      const list = items[f] ?? [];
      await seen.filterUnseen(`f${f}`, list.map(dedupeKeys));
      await seen.markSeen(`f${f}`, list.flatMap(dedupeKeys));
    }
  });
  const summaries = await time("summarise", () =>
    items.map((list) =>
      list.map((it) => summarize(it.title, it.text, { maxChars: summaryBudget(it, render) })),
    ),
  );
  // The goal on its own: an item's HTML to clean text and its summary, nothing else.
  await time("html+summary", () => {
    for (const p of parsed)
      for (const raw of p.items) {
        const text = removeFurniture(itemBody(raw.content, raw.summary).text);
        summarize(raw.title ?? "", text, { maxChars: 560 });
      }
  });
  await time("format", () =>
    items.map((list, f) => list.map((it, i) => formatPost(it, summaries[f]?.[i] ?? "", render))),
  );

  // A full cycle through the poller: first read, then every feed answers 304.
  const poller = createPoller({
    fetcher,
    feedStates: repos.feedStates,
    seen,
    items: repos.items,
    meta: repos.meta,
    log,
    feeds: () =>
      Array.from({ length: FEEDS }, (_, f) => ({ name: `p${f}`, url: url(f), kind: "http" as const })),
    isTrusted: () => true,
    onNewItems: async (list) => {
      for (const it of list) renderPost(it.item, render);
    },
    baselineAnnounce: 1,
    maxAnnounce: 1000,
    backoffMaxCycles: 8,
    concurrency: 4,
    offsetMin: 420,
    cycleMs: 300_000,
  });
  version = 0;
  await time("cycle (first read)", () => poller.runCycle());
  await time("cycle (all 304)", () => poller.runCycle());
  version = 1; // every feed now has NEW_PER_FEED new items
  await time("cycle (steady)", () => poller.runCycle());
  await time("bare rss-parser (steady)", async () => {
    for (let f = 0; f < FEEDS; f++) await bare.parseString(bodies[1]?.[f]?.toString() ?? "");
  });
  await store.close();
  rmSync(dbPath, { force: true });
  rmSync(`${dbPath}-wal`, { force: true });
  rmSync(`${dbPath}-shm`, { force: true });
  // The first round warms the JIT and is not counted.
  if (round === 0) for (const k of Object.keys(totals)) totals[k] = [];
}

clearInterval(sampler);
fetcher.close();
server.close();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const n = FEEDS * ITEMS;
const perItemUs = (stage: string) => (median(totals[stage] ?? []) * 1000) / n;
const row = (stage: string) => {
  const us = perItemUs(stage);
  return `${stage.padEnd(22)} ${us.toFixed(1).padStart(9)} µs/item ${Math.round(1e6 / us)
    .toLocaleString("en")
    .padStart(12)} items/s`;
};
const stages = ["fetch+decode", "parse", "normalise", "dedupe", "summarise", "format"];
const pipeline = stages.reduce((s, k) => s + perItemUs(k), 0);
const bareUs = perItemUs("bare rss-parser");
console.log(
  `bantin pipeline benchmark: ${FEEDS} feeds × ${ITEMS} items = ${n} items, median of ${ROUNDS} rounds (Node ${process.version})`,
);
for (const s of stages) console.log(row(s));
console.log("-".repeat(62));
console.log(
  `${"whole pipeline".padEnd(22)} ${pipeline.toFixed(1).padStart(9)} µs/item ${Math.round(1e6 / pipeline)
    .toLocaleString("en")
    .padStart(12)} items/s`,
);
console.log(row("bare rss-parser"));
console.log(`ratio pipeline / bare rss-parser: ${(pipeline / bareUs).toFixed(2)}× (goal ≤ 1.50×)`);
console.log(
  `summariser + HTML → text (HTML to clean text, furniture removed, summary): ${perItemUs("html+summary").toFixed(1)} µs per item (goal ≤ 40 µs)`,
);
const steady = median(totals["cycle (steady)"] ?? []);
const steadyBare = median(totals["bare rss-parser (steady)"] ?? []);
console.log(
  `poll cycle, ${NEW_PER_FEED} new items per feed (steady state, everything included: HTTP, parse, dedupe, store, summary and post for the new ones): ` +
    `${steady.toFixed(1)} ms = ${((steady * 1000) / n).toFixed(1)} µs per item read, ${(steady / steadyBare).toFixed(2)}× bare rss-parser on the same documents`,
);
console.log(
  `poll cycle, first read of ${FEEDS} feeds: ${median(totals["cycle (first read)"] ?? []).toFixed(1)} ms`,
);
console.log(
  `poll cycle, every feed answers 304: ${median(totals["cycle (all 304)"] ?? []).toFixed(1)} ms (${((median(totals["cycle (all 304)"] ?? []) * 1000) / FEEDS).toFixed(0)} µs per feed)`,
);
console.log(`peak RSS: ${(peakRss / 1048576).toFixed(1)} MiB`);

// The whole preview as a process (start-up, reading, every item rendered, JSON on stdout)
// against a process that only parses the same bytes with rss-parser.
{
  const items = Array.from(
    { length: 60 },
    (_, f) => feedXml(f).match(/<item>[\s\S]*?<\/item>/g) ?? [],
  ).flat();
  const big = `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Báo Hà Tĩnh - Tin mới</title><link>https://baohatinh.example/</link>${items.slice(0, 3000).join("\n")}</channel></rss>`;
  const file = join(tmpdir(), `bantin-big-${process.pid}.xml`);
  writeFileSync(file, big);
  const root = projectRoot();
  const wall = (args: string[]) => {
    const runs: number[] = [];
    for (let r = 0; r < 3; r++) {
      const started = performance.now();
      const res = spawnSync(process.execPath, args, {
        cwd: root,
        stdio: ["ignore", "ignore", "pipe"],
        env: { ...process.env, LOG_LEVEL: "silent", FETCH_MAX_BYTES: String(64 << 20) },
      });
      if (res.status !== 0)
        throw new Error(`${args.join(" ")} exited with ${res.status}: ${String(res.stderr).slice(0, 300)}`);
      runs.push(performance.now() - started);
    }
    return median(runs);
  };
  const preview = wall([join(root, "dist", "scripts", "preview.js"), file, "--all", "--json"]);
  const bareProcess = wall([
    "--input-type=module",
    "-e",
    "import Parser from 'rss-parser'; import { readFileSync } from 'node:fs'; await new Parser().parseString(readFileSync(process.argv[1], 'utf8'));",
    file,
  ]);
  rmSync(file, { force: true });
  console.log(
    `whole preview of a ${items.slice(0, 3000).length}-item feed (--all --json, a process): ${preview.toFixed(0)} ms; bare rss-parser process on the same file: ${bareProcess.toFixed(0)} ms; ${(preview / bareProcess).toFixed(2)}× (goal ≤ 1.50×)`,
  );
}

printPollCost();
