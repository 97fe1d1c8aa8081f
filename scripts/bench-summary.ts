/**
 * npm run bench:summary [-- --verbose]
 *
 * The summaries of the fixture articles in test/fixtures/articles, made two ways: from the
 * feed's own text (content:encoded, as the poller reads it) and from the whole page (as the
 * article fetcher reads it: Readability, then bantin's furniture rules). Prints per length:
 * furniture leaked (articles whose summary holds a furniture string; must be 0), lead kept,
 * key-fact recall, average length and the summariser's time per article.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { SummaryLength } from "../src/domain/types.js";
import { extractArticle } from "../src/feeds/extract.js";
import { projectRoot } from "../src/paths.js";
import { evaluate, feedText, LENGTHS, loadFixtures } from "./summary-eval.js";

const { values } = parseArgs({ options: { verbose: { type: "boolean", default: false } } });
const fixtures = loadFixtures(join(projectRoot(), "test", "fixtures", "articles"));

const fromFeed = fixtures.map(feedText);
let started = performance.now();
const fromPage: string[] = [];
for (const f of fixtures) fromPage.push((await extractArticle(f.page, f.url)).text);
const firstMs = performance.now() - started;
started = performance.now();
for (const f of fixtures) await extractArticle(f.page, f.url);
const pageMs = (performance.now() - started) / fixtures.length;

const pct = (n: number, of: number) => `${((100 * n) / of).toFixed(1)}%`;
process.stdout.write(
  `${fixtures.length} articles; page extraction (linkedom + Readability + furniture) ${pageMs.toFixed(1)} ms per page (first pass ${firstMs.toFixed(0)} ms, loading included)\n\n`,
);
process.stdout.write("source  length   leaked  lead kept  key facts  avg chars  µs/article\n");
for (const [source, texts] of [
  ["feed", fromFeed],
  ["page", fromPage],
] as const) {
  for (const length of Object.keys(LENGTHS) as SummaryLength[]) {
    evaluate(fixtures, texts, length, 3); // warm-up
    const r = evaluate(fixtures, texts, length, 20);
    process.stdout.write(
      `${source.padEnd(8)}${length.padEnd(9)}${String(r.leaked).padStart(6)}  ${`${r.leadKept}/${r.articles}`.padStart(9)}  ${pct(r.recall, 1).padStart(9)}  ${r.averageChars.toFixed(0).padStart(9)}  ${r.microsPerArticle.toFixed(1).padStart(10)}\n`,
    );
    if (values.verbose) {
      for (const x of r.results) {
        const f = fixtures.find((y) => y.slug === x.slug);
        const missing = f?.facts.filter((fact) => !x.summary.includes(fact)) ?? [];
        if (x.leaked.length || !x.leadKept || missing.length)
          process.stdout.write(
            `    ${x.slug}: ${x.leaked.length ? `leaked ${JSON.stringify(x.leaked)} ` : ""}${x.leadKept ? "" : "lead lost "}${missing.length ? `missing ${JSON.stringify(missing)}` : ""}\n`,
          );
      }
    }
  }
}
