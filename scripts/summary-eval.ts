/**
 * The summary benchmark's fixtures and scoring, shared by scripts/bench-summary.ts and
 * test/summary-fixtures.test.ts. Each fixture is a page written for the test
 * (test/fixtures/articles/NN-slug.html, modelled on a real Vietnamese site's markup, its feed
 * body between `<!-- feed-body -->` and `<!-- /feed-body -->`) and its key (NN-slug.json:
 * title, lead, 2–5 key facts, furniture strings that must never be in a summary).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { SummaryLength } from "../src/domain/types.js";
import { itemBody } from "../src/feeds/normalize.js";
import { removeFurniture } from "../src/text/furniture.js";
import { summarize } from "../src/text/summary.js";

export interface Fixture {
  slug: string;
  site: string;
  url: string;
  title: string;
  lead: string;
  facts: string[];
  furniture: string[];
  page: string;
  /** What the site's feed carries in content:encoded. */
  feedBody: string;
}

export const LENGTHS: Record<SummaryLength, number> = { short: 280, normal: 600, long: 1400 };

export function loadFixtures(dir: string): Fixture[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => {
      const key = JSON.parse(readFileSync(join(dir, f), "utf8")) as Omit<
        Fixture,
        "slug" | "page" | "feedBody"
      >;
      const page = readFileSync(join(dir, f.replace(/\.json$/, ".html")), "utf8");
      const start = page.indexOf("<!-- feed-body -->");
      const end = page.indexOf("<!-- /feed-body -->");
      if (start < 0 || end < start)
        throw new Error(`${f}: no <!-- feed-body --> … <!-- /feed-body --> in the page`);
      return { ...key, slug: f.replace(/\.json$/, ""), page, feedBody: page.slice(start, end) };
    });
}

/** The page's description (the sapo), which the site's feed carries in <description>. */
function description(page: string): string | undefined {
  const m = /<meta\s+(?:property="og:description"|name="description")\s+content="([^"]*)"/i.exec(page);
  return m?.[1];
}

/** The feed's text of a fixture, as the poller makes it from content:encoded and <description>. */
export function feedText(f: Fixture): string {
  // Feeds carry the sapo in <description>; where a page's og:description is a shorter
  // rewrite of it, the sapo itself stands in.
  const og = description(f.page);
  const sapo = og?.includes(f.lead.slice(0, 40)) ? og : f.lead;
  return removeFurniture(itemBody(f.feedBody, sapo).text);
}

const squash = (s: string) => s.replace(/\s+/g, " ").trim();

export interface Judged {
  summary: string;
  leaked: string[];
  leadKept: boolean;
  factsFound: number;
}

/** How one summary does against its fixture's key. */
export function judge(f: Fixture, summary: string): Judged {
  const s = squash(summary).toLowerCase();
  const leaked = f.furniture.filter((x) => s.includes(squash(x).toLowerCase()));
  // The lead, or as much of it as the budget allowed (a lead longer than the room is cut).
  const lead = squash(f.lead);
  const head = lead.slice(0, Math.min(lead.length, 60));
  const leadKept = squash(summary).startsWith(head);
  const factsFound = f.facts.filter((x) => s.includes(squash(x).toLowerCase())).length;
  return { summary, leaked, leadKept, factsFound };
}

export interface LengthFigures {
  length: SummaryLength;
  articles: number;
  leaked: number;
  leadKept: number;
  recall: number;
  averageChars: number;
  microsPerArticle: number;
  results: Array<{ slug: string } & Judged>;
}

/** Summarises every text at one length and scores the summaries. */
export function evaluate(
  fixtures: Fixture[],
  texts: string[],
  length: SummaryLength,
  repeat = 1,
): LengthFigures {
  const maxChars = LENGTHS[length];
  const summaries: string[] = [];
  const started = process.hrtime.bigint();
  for (let r = 0; r < repeat; r++) {
    fixtures.forEach((f, i) => {
      summaries[i] = summarize(f.title, texts[i] as string, { maxChars });
    });
  }
  const micros = Number(process.hrtime.bigint() - started) / 1000 / repeat / Math.max(1, fixtures.length);
  const results = fixtures.map((f, i) => ({ slug: f.slug, ...judge(f, summaries[i] as string) }));
  const facts = fixtures.reduce((n, f) => n + f.facts.length, 0);
  return {
    length,
    articles: fixtures.length,
    leaked: results.filter((r) => r.leaked.length).length,
    leadKept: results.filter((r) => r.leadKept).length,
    recall: facts ? results.reduce((n, r) => n + r.factsFound, 0) / facts : 0,
    averageChars: results.reduce((n, r) => n + r.summary.length, 0) / Math.max(1, results.length),
    microsPerArticle: micros,
    results,
  };
}
