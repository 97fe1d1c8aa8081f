/**
 * npm run sweep -- <folder> [--verbose]
 *
 * Runs the pipeline (read, decode, repair, parse, normalise, summarise, render) over every feed
 * file below a folder and prints, per file, the item count or the clear error, then totals.
 * Every rendered post is checked against Telegram's HTML rules and limits.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { createFetcher } from "../src/feeds/fetch.js";
import { readFeed } from "../src/feeds/read.js";
import { checkTelegramHtml } from "../src/telegram/html.js";
import { CAPTION_LIMIT, MESSAGE_LIMIT, renderPost } from "../src/telegram/render.js";

const FEED_EXT = /\.(xml|rss|atom|rdf|feed|json)$/i;

async function* walk(dir: string): AsyncGenerator<string> {
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (FEED_EXT.test(entry.name)) yield path;
  }
}

/** JSON files in test suites are mostly expected outputs; only JSON Feed documents are feeds. */
async function isFeedFile(path: string): Promise<boolean> {
  if (!path.toLowerCase().endsWith(".json")) return true;
  const head = (await readFile(path)).subarray(0, 4096).toString("utf8");
  return /jsonfeed\.org\/version/.test(head);
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { verbose: { type: "boolean", default: false } },
  });
  const root = positionals[0];
  if (!root) {
    process.stderr.write("usage: npm run sweep -- <folder> [--verbose]\n");
    return 2;
  }
  const fetcher = createFetcher({
    timeoutMs: 10_000,
    connectTimeoutMs: 5_000,
    maxBytes: 5 * 1024 * 1024,
    maxRedirects: 0,
    allowPrivate: true,
  });
  const totals = { files: 0, withItems: 0, empty: 0, errors: 0, items: 0, repaired: 0, badPosts: 0 };
  const errors = new Map<string, number>();
  const started = performance.now();
  for await (const path of walk(root)) {
    if (!(await isFeedFile(path))) continue;
    totals.files++;
    const name = relative(root, path);
    try {
      const res = await readFeed(
        fetcher,
        "sweep",
        { url: path, kind: "file", trusted: true },
        {},
        { offsetMin: 420 },
      );
      if (res.status !== "ok") continue;
      const items = res.entries.map((e) => e.complete());
      for (const item of items) {
        for (const withImage of [true, false]) {
          const post = renderPost(item, {
            language: "vi",
            timeZone: "Asia/Ho_Chi_Minh",
            summaryChars: 600,
            withImage,
          });
          const check = checkTelegramHtml(post.text);
          const limit = post.photo ? CAPTION_LIMIT : MESSAGE_LIMIT;
          if (!check.ok || check.text.length > limit || check.text.length === 0) {
            totals.badPosts++;
            process.stdout.write(
              `BAD POST ${name} ${item.id}: ${check.error ?? `length ${check.text.length}`}\n`,
            );
          }
        }
      }
      totals.items += items.length;
      if (res.fixes.length) totals.repaired++;
      if (items.length) totals.withItems++;
      else totals.empty++;
      if (values.verbose || res.fixes.length) {
        process.stdout.write(
          `${name}: ${items.length} item(s)${res.fixes.length ? ` [repaired: ${res.fixes.join("; ")}]` : ""}\n`,
        );
      } else {
        process.stdout.write(`${name}: ${items.length} item(s)\n`);
      }
    } catch (error) {
      totals.errors++;
      const message = (error as Error).message;
      const kind = message.split(":")[0] ?? message;
      errors.set(kind, (errors.get(kind) ?? 0) + 1);
      process.stdout.write(`${name}: ERROR ${(error as Error).name}: ${message}\n`);
    }
  }
  fetcher.close();
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `\nTOTAL ${totals.files} files in ${secs}s: ${totals.withItems} with items (${totals.items} items), ` +
      `${totals.empty} parsed with no items, ${totals.errors} clear errors, ${totals.repaired} repaired, ` +
      `${totals.badPosts} invalid posts\n`,
  );
  for (const [kind, n] of errors) process.stdout.write(`  errors: ${n} × ${kind}\n`);
  return totals.badPosts > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`sweep crashed: ${error instanceof Error ? error.stack : error}\n`);
    process.exit(1);
  },
);
