import { parseArgs } from "node:util";
import { createApp } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { createLogger, logDestination, redactText, secretsFromUrl } from "./log.js";
import { routeLibraryConsole } from "./log-routing.js";
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
      // Whatever was typed may hold a password (a feed URL, STORE_URL): scrubbed like a log line.
      process.stderr.write(`${redactText(error.message)}\nSee .env.example for every variable.\n`);
      return 2;
    }
    throw error;
  }
  const secrets = [
    config.BOT_TOKEN,
    config.WEBHOOK_SECRET,
    config.SUMMARY_API_KEY,
    ...(config.SUMMARY_API_URL ? secretsFromUrl(config.SUMMARY_API_URL) : []),
    ...secretsFromUrl(config.STORE_URL),
    ...(config.WEBHOOK_URL ? secretsFromUrl(config.WEBHOOK_URL) : []),
  ];
  const out = await logDestination(config.LOG_FORMAT);
  const log = createLogger(config.LOG_LEVEL, out.stream, { secrets });
  // The grammY runner and node-cron print some errors with console.error: through pino instead.
  routeLibraryConsole(log);
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore(config.STORE_URL, {
      log,
      connectTimeoutMs: config.STORE_CONNECT_TIMEOUT_S * 1000,
    });
  } catch (error) {
    const message = redactText((error as Error).message, secrets);
    log.fatal({ err: error }, "cannot open the store");
    process.stderr.write(
      `bantin: cannot open the store ${redactText(config.STORE_URL, secrets)}: ${message}\n`,
    );
    return 1;
  }
  let exitCode = 0;
  let fatal: (code: number) => void = () => undefined;
  // One cycle and out: no WebSub subscription (nothing would be there to answer the hub).
  const app = createApp({
    config: values.once ? { ...config, websubBase: undefined } : config,
    log,
    store,
    onFatal: (code) => fatal(code),
  });

  if (config.usingSampleFeed) {
    log.info({ feed: config.FEEDS[0]?.url }, "FEEDS is empty: using the bundled sample feed");
  }
  if (!config.BOT_TOKEN) {
    process.stderr.write(
      "bantin: no BOT_TOKEN set, so nothing is sent to Telegram: new posts are printed here instead.\n" +
        `bantin: store ${redactText(config.STORE_URL, secrets)}; feeds: ${config.FEEDS.map((f) => f.name).join(", ")}\n`,
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
    await store.close(config.SHUTDOWN_TIMEOUT_MS);
    return 0;
  }

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string) => {
    stopping ??= (async () => {
      log.info({ reason }, "stopping: cron and polling first, then in-flight deliveries");
      // One bound for the whole stop, whatever hangs (Telegram, the database); the store gets
      // what is left of it, and a last-resort timer ends the process if even that overruns.
      const deadline = Date.now() + config.SHUTDOWN_TIMEOUT_MS;
      const hardStop = setTimeout(() => {
        log.error("shutdown took too long; exiting");
        process.exit(exitCode);
      }, config.SHUTDOWN_TIMEOUT_MS + 2000);
      hardStop.unref();
      // The store keeps a little of the bound for itself.
      await app.stop(deadline - Math.min(1000, config.SHUTDOWN_TIMEOUT_MS / 5));
      await store.close(Math.max(200, deadline - Date.now()));
    })();
    return stopping;
  };
  const stopped = new Promise<void>((resolve) => {
    for (const signal of ["SIGTERM", "SIGINT"] as const)
      process.once(signal, () => void shutdown(signal).then(resolve));
    fatal = (code) => {
      exitCode = code;
      void shutdown("fatal").then(resolve);
    };
  });
  // A stop may come while start-up still waits for Telegram.
  try {
    await Promise.race([app.start(), stopped]);
  } catch (error) {
    // A start-up that fails (Telegram refused the token, the port is taken): one clear line,
    // then the same bounded stop as for a signal.
    const message = redactText((error as Error).message ?? String(error), secrets);
    log.fatal({ err: error }, "start-up failed");
    process.stderr.write(`bantin: ${message}\n`);
    exitCode = 1;
    await shutdown("start-up failed");
    return 1;
  }
  await stopped;
  log.info("stopped");
  return exitCode;
}
main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(
      `bantin: fatal: ${redactText(error instanceof Error ? (error.stack ?? error.message) : String(error), [
        process.env.BOT_TOKEN,
        ...secretsFromUrl(process.env.STORE_URL ?? ""),
      ])}\n`,
    );
    process.exit(1);
  },
);
