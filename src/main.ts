import { parseArgs } from "node:util";
import { createApp } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { createLogger } from "./log.js";
import { SAMPLE_FEED } from "./paths.js";
import { openStore } from "./store/store.js";

/**
 * Entry point. `--once` runs one poll cycle and exits (the README's first command);
 * otherwise polls on POLL_CRON until SIGTERM/SIGINT.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({ options: { once: { type: "boolean", default: false } } });
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env, SAMPLE_FEED);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee .env.example for every variable.\n`);
      return 2;
    }
    throw error;
  }
  const log = createLogger(config.LOG_LEVEL);
  const store = await openStore(config.STORE_URL, log);
  const app = createApp({ config, log, store });

  if (config.usingSampleFeed) {
    log.info({ feed: config.FEEDS[0]?.url }, "FEEDS is empty: using the bundled sample feed");
  }
  if (!config.BOT_TOKEN) {
    process.stderr.write(
      "bantin: no BOT_TOKEN set, so nothing is sent to Telegram: new posts are printed here instead.\n" +
        `bantin: store ${config.STORE_URL}; feeds: ${config.FEEDS.map((f) => f.name).join(", ")}\n`,
    );
  }

  if (values.once) {
    if (app.worker) await app.worker.start();
    const result = await app.runOnce();
    if (app.worker) {
      // Wait for this cycle's deliveries, within the shutdown bound.
      await Promise.race([
        app.worker.drained(),
        new Promise((r) => setTimeout(r, config.SHUTDOWN_TIMEOUT_MS)),
      ]);
    }
    const errors = result.outcomes.filter((o) => o.status === "error");
    process.stderr.write(
      `bantin: cycle ${result.cycle}: ${result.newItems} new post(s) from ${result.outcomes.length} feed(s)` +
        `${errors.length ? `, ${errors.length} feed error(s)` : ""}` +
        `${result.newItems === 0 ? " (nothing new since the last run)" : ""}.\n`,
    );
    await app.stop();
    await store.close();
    return 0;
  }

  let stopping: Promise<void> | undefined;
  const shutdown = (signal: string) => {
    stopping ??= (async () => {
      log.info({ signal }, "stopping: cron and polling first, then in-flight deliveries");
      await app.stop();
      await store.close();
    })();
    return stopping;
  };
  const stopped = new Promise<void>((resolve) => {
    for (const signal of ["SIGTERM", "SIGINT"] as const)
      process.once(signal, () => void shutdown(signal).then(resolve));
  });
  // A stop may come while start-up still waits for Telegram.
  await Promise.race([app.start(), stopped]);
  await stopped;
  log.info("stopped");
  return 0;
}
main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`bantin: fatal: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
