/**
 * What adaptive polling costs against a fixed 5-minute poll: a week of 1,000 feeds simulated
 * minute by minute with the scheduler bantin runs (src/feeds/schedule.ts), printing requests
 * a day and how long a new item waits for its feed to be read. Part of npm run bench:pipeline.
 *
 * The mix is what a Vietnamese newsroom's list looks like: a few "tin mới" wires of hundreds
 * of items a day, section feeds of tens, regional and niche feeds of a few, dormant ones;
 * publishing is heavier 06:00–22:00 than at night; a tenth of the feeds send <ttl>60</ttl>.
 */
import { notePublished, readInterval } from "../src/feeds/schedule.js";

const MIN = 60_000;
const DAY = 86_400_000;

interface Kind {
  share: number;
  perDay: number;
}
const MIX: Kind[] = [
  { share: 0.03, perDay: 300 },
  { share: 0.12, perDay: 40 },
  { share: 0.35, perDay: 8 },
  { share: 0.3, perDay: 1 },
  { share: 0.2, perDay: 1 / 7 },
];

/** A small deterministic generator, so every run prints the same figures. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PollCost {
  feeds: number;
  adaptive: { requestsPerDay: number; meanWaitMin: number; p95WaitMin: number };
  fixed: { requestsPerDay: number; meanWaitMin: number; p95WaitMin: number };
}

export function simulatePollCost(feeds = 1000, days = 7): PollCost {
  const random = rng(42);
  const limits = { minMs: MIN, maxMs: 30 * MIN };
  const slack = 30_000;
  const kinds: Kind[] = [];
  for (const k of MIX) for (let i = 0; i < Math.round(k.share * feeds); i++) kinds.push(k);
  const ttl = kinds.map((_, i) => (i % 10 === 9 ? 60 * MIN : undefined));
  const state = kinds.map(() => ({ next: 0, unread: [] as number[], recent: [] as number[] }));
  const fixedUnread = kinds.map(() => [] as number[]);
  const waits = { adaptive: [] as number[], fixed: [] as number[] };
  const requests = { adaptive: 0, fixed: 0 };
  const measureFrom = (days - 1) * DAY;
  for (let t = 0; t < days * DAY; t += MIN) {
    const hour = (t / 3_600_000) % 24;
    // 16 busy hours carry 85% of the day's items.
    const weight = hour >= 6 && hour < 22 ? 0.85 / 16 : 0.15 / 8;
    const measuring = t >= measureFrom;
    kinds.forEach((k, f) => {
      const s = state[f] as (typeof state)[number];
      const perMinute = (k.perDay * weight) / 60;
      if (random() < perMinute) {
        s.unread.push(t);
        (fixedUnread[f] as number[]).push(t);
      }
      if (t % (5 * MIN) === 0) {
        if (measuring) {
          requests.fixed++;
          for (const p of fixedUnread[f] as number[]) waits.fixed.push(t - p);
        }
        (fixedUnread[f] as number[]).length = 0;
      }
      if (s.next > t + slack) return;
      if (measuring) {
        requests.adaptive++;
        for (const p of s.unread) waits.adaptive.push(t - p);
      }
      s.recent = notePublished(s.recent, s.unread, t);
      s.unread = [];
      s.next = t + readInterval({ now: t, recentPublished: s.recent, hints: { ttlMs: ttl[f] } }, limits);
    });
  }
  const summary = (w: number[], n: number) => {
    const sorted = [...w].sort((a, b) => a - b);
    const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
    return {
      requestsPerDay: n,
      meanWaitMin: mean / MIN,
      p95WaitMin: (sorted[Math.floor(sorted.length * 0.95)] ?? 0) / MIN,
    };
  };
  return {
    feeds: kinds.length,
    adaptive: summary(waits.adaptive, requests.adaptive),
    fixed: summary(waits.fixed, requests.fixed),
  };
}

export function printPollCost(): void {
  const c = simulatePollCost();
  const line = (name: string, r: PollCost["adaptive"]) =>
    `  ${name.padEnd(26)} ${String(r.requestsPerDay).padStart(8)} requests/day · an item waits ${r.meanWaitMin.toFixed(1)} min on average, ${r.p95WaitMin.toFixed(1)} min at p95`;
  console.log(`polling cost, ${c.feeds} feeds (a newsroom's mix, a simulated week, the last day counted):`);
  console.log(line("fixed 5-minute poll", c.fixed));
  console.log(line("adaptive (POLL_MIN 1m–30m)", c.adaptive));
  console.log(
    `  adaptive / fixed: ${(c.adaptive.requestsPerDay / c.fixed.requestsPerDay).toFixed(2)}× the requests`,
  );
}
