import { readFile, stat } from "node:fs/promises";
import { parseArgs } from "node:util";
import { ConfigError, fetcherOptions, loadConfig } from "./config.js";
import { zoneOffsetMinutes } from "./domain/time.js";
import { createFetcher } from "./feeds/fetch.js";
import { parseOpml } from "./feeds/opml.js";
import { exportOpml } from "./feeds/opml-export.js";
import { applyImport, createProbe, OPML_MAX_BYTES, OPML_MAX_FEEDS, planImport } from "./feeds/opml-import.js";
import { createLogger, logDestination, redactText, secretsFromUrl } from "./log.js";
import { SAMPLE_FEED } from "./paths.js";
import { createRepos } from "./store/repos.js";
import { openStore } from "./store/store.js";

const USAGE = `usage: npm run opml -- import <file.opml> [--dry-run]
       npm run -s opml -- export > feeds.opml
import adds the file's new feeds to the store of STORE_URL (each read once first, through the
SSRF guard unless ALLOW_PRIVATE_FEEDS) and prints what it did; export prints the feed list
(FEEDS and the added ones) as OPML 2.0. Logs go to stderr.
`;

/** stdout, fully handed over before the process exits (a pipe may be slow). */
const print = (text: string) => new Promise<void>((resolve) => process.stdout.write(text, () => resolve()));

/**
 * `npm run opml -- import <file>` / `npm run opml -- export`: the bot's /import and /export for
 * the operator, on the store of STORE_URL with the app's configuration. Exit 0 when done, 1
 * for a file that is not OPML (or too large) or a store that cannot be opened, 2 for usage.
 */
async function main(): Promise<number> {
  let parsed: { values: { "dry-run"?: boolean | undefined }; positionals: string[] };
  try {
    parsed = parseArgs({ options: { "dry-run": { type: "boolean" } }, allowPositionals: true });
  } catch (error) {
    process.stderr.write(`bantin opml: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const [command, file, ...extra] = parsed.positionals;
  if (!(command === "export" && !file) && !(command === "import" && file && !extra.length)) {
    process.stderr.write(USAGE);
    return 2;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env, SAMPLE_FEED);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${redactText(error.message)}\nSee .env.example for every variable.\n`);
    return 2;
  }
  const secrets = [config.BOT_TOKEN, ...secretsFromUrl(config.STORE_URL)];
  const root = createLogger(config.LOG_LEVEL, (await logDestination(config.LOG_FORMAT)).stream, { secrets });
  const log = root.child({ component: "opml" });

  // The file first: a bad one never opens the store.
  let entries: ReturnType<typeof parseOpml>["entries"] = [];
  if (command === "import" && file) {
    try {
      const size = (await stat(file)).size;
      if (size > OPML_MAX_BYTES) throw new Error(`the file is ${size} bytes, at most ${OPML_MAX_BYTES}`);
      entries = parseOpml(await readFile(file), { maxEntries: OPML_MAX_FEEDS }).entries;
    } catch (error) {
      process.stderr.write(`bantin opml: cannot import ${file}: ${(error as Error).message}\n`);
      return 1;
    }
  }

  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore(config.STORE_URL, {
      log: root,
      connectTimeoutMs: config.STORE_CONNECT_TIMEOUT_S * 1000,
    });
  } catch (error) {
    process.stderr.write(
      `bantin opml: cannot open the store ${redactText(config.STORE_URL, secrets)}: ${redactText((error as Error).message, secrets)}\n`,
    );
    return 1;
  }
  const repos = createRepos(store, {
    operatorFeeds: config.FEEDS,
    seenTtlMs: config.SEEN_TTL_DAYS * 86_400_000,
  });
  try {
    if (command === "export") {
      const out = await exportOpml(repos, { full: true, title: "bantin" });
      await print(out.xml);
      process.stderr.write(
        `bantin opml: exported ${out.feeds} feed(s)${out.skipped ? `; ${out.skipped} local file feed(s) of FEEDS left out` : ""}\n`,
      );
      return 0;
    }
    const fetcher = createFetcher(fetcherOptions(config));
    try {
      const reserved = config.FEEDS.map((f) => f.name);
      const probe = createProbe(fetcher, { offsetMin: zoneOffsetMinutes(config.TIMEZONE) });
      const plan = await planImport(entries, { existing: await repos.feeds.all(), reserved, probe });
      const dry = parsed.values["dry-run"] === true;
      const result = dry
        ? { added: plan.fresh, present: [] }
        : await applyImport(repos.feeds, plan.fresh, { reserved });
      const lines = [
        `${dry ? "would add" : "added"} ${result.added.length}, present ${plan.present.length + result.present.length}, refused ${plan.refused.length}, unreadable ${plan.unreadable.length}`,
        ...result.added.map((f) => `added\t${f.name}\t${f.url}${f.title ? `\t${f.title}` : ""}`),
        ...plan.present.map(
          (p) => `present\t${p.existing}\t${p.url ?? ""}${p.by === "file" ? "\t(twice in the file)" : ""}`,
        ),
        ...result.present.map((p) => `present\t${p.existing}\t${p.feed.url}`),
        ...plan.refused.map((r) => `refused\t${r.url}\tinternal address`),
        ...plan.unreadable.map(
          (u) =>
            `unreadable\t${u.url ?? u.title ?? ""}\t${u.reason}${u.httpStatus ? ` ${u.httpStatus}` : ""}`,
        ),
      ];
      await print(`${lines.join("\n")}\n`);
      log.info({ added: result.added.length, dry }, "opml import done");
      return 0;
    } finally {
      fetcher.close();
    }
  } finally {
    await store.close(config.SHUTDOWN_TIMEOUT_MS);
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(
      `bantin opml: fatal: ${redactText(
        error instanceof Error ? (error.stack ?? error.message) : String(error),
        [process.env.BOT_TOKEN, ...secretsFromUrl(process.env.STORE_URL ?? "")],
      )}\n`,
    );
    process.exit(1);
  },
);
