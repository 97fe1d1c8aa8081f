/**
 * npm run bench:readability
 *
 * Readability over two DOMs, on the fixture pages of test/fixtures/articles: linkedom (what
 * bantin uses) and jsdom (a dev dependency, for this comparison only). Prints the time per
 * page, the memory held after parsing all pages, and whether both find the same article text.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Readability } from "@mozilla/readability";
import { JSDOM } from "jsdom";
import { parseHTML } from "linkedom";
import { projectRoot } from "../src/paths.js";

const dir = join(projectRoot(), "test", "fixtures", "articles");
const pages = readdirSync(dir)
  .filter((f) => f.endsWith(".html"))
  .map((f) => readFileSync(join(dir, f), "utf8"));

function run(name: string, parse: (html: string) => Document): string[] {
  for (const html of pages.slice(0, 5)) new Readability(parse(html)).parse(); // warm-up
  const texts: string[] = [];
  const before = process.memoryUsage().heapUsed;
  const started = performance.now();
  const rounds = 5;
  for (let r = 0; r < rounds; r++) {
    for (const html of pages) {
      const text = new Readability(parse(html)).parse()?.textContent ?? "";
      if (r === 0) texts.push(text.replace(/\s+/g, " ").trim());
    }
  }
  const ms = (performance.now() - started) / rounds / pages.length;
  const mb = (process.memoryUsage().heapUsed - before) / 1048576;
  process.stdout.write(
    `${name.padEnd(9)} ${ms.toFixed(1).padStart(6)} ms per page   heap +${mb.toFixed(0)} MiB\n`,
  );
  return texts;
}

process.stdout.write(`${pages.length} pages\n`);
const a = run("linkedom", (html) => parseHTML(html).document as unknown as Document);
const b = run("jsdom", (html) => new JSDOM(html).window.document);
const same = a.filter((t, i) => t === b[i]).length;
process.stdout.write(`same article text from both: ${same}/${pages.length}\n`);
