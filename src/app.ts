import { randomUUID } from "node:crypto";
import type { Bot } from "grammy";
import { createTask } from "node-cron";
import { createCycle } from "./app-cycle.js";
import { createPollerPart } from "./app-poller.js";
import { createSummaryParts } from "./app-summaries.js";
import { connectTelegram, createTelegramParts, type TelegramParts } from "./app-telegram.js";
import { createWebSubPart } from "./app-websub.js";
import { createLeadership, type Leadership } from "./cluster/leader.js";
import { type Config, fetcherOptions } from "./config.js";
import type { FloodBudget } from "./delivery/budget.js";
import type { BulletinScheduler } from "./delivery/bulletins.js";
import type { DeliveryWorker } from "./delivery/worker.js";
import { zoneOffsetMinutes } from "./domain/time.js";

import { createFetcher, type Fetcher } from "./feeds/fetch.js";
import type { CycleResult, Poller } from "./feeds/poller.js";
import { type RouteHandler, startHealthServer } from "./http/health.js";
import type { Logger } from "./log.js";
import { cronLogger } from "./log-routing.js";
import { createMetrics } from "./metrics.js";
import { createRepos, type Repos } from "./store/repos.js";
import type { Store } from "./store/store.js";
import { setCommands } from "./telegram/bot.js";
import type { BotContext } from "./telegram/context.js";
import { startInboxRunner } from "./telegram/inbox-runner.js";
import { startLongPolling } from "./telegram/polling.js";
import { dropWebhook } from "./telegram/webhook.js";

export interface AppDeps {
  config: Config;
  log: Logger;
  store: Store;
  /** Print posts as JSON lines (console mode). */
  json?: boolean;
  /** Called when the process must end (Telegram refused the token). */
  onFatal?: (code: number) => void;
  /** The bulletins' clock (tests move it to a slot); Date.now otherwise. */
  now?: () => number;
}

export interface App {
  poller: Poller;
  fetcher: Fetcher;
  repos: Repos;
  bot?: Bot<BotContext> | undefined;
  worker?: DeliveryWorker | undefined;
  bulletins?: BulletinScheduler | undefined;
  budget?: FloodBudget | undefined;
  /** This process's id in claims and leases. */
  instanceId: string;
  /** Leader (polling, sending, taking updates) or standby; "stopped" before start. */
  role(): "leader" | "standby" | "stopped";
  runOnce(): Promise<CycleResult>;
  /** The work a cycle started beside it (WebSub subscriptions) has finished. */
  settled(): Promise<void>;
  /** Health endpoints and the webhook, then the race for the lease; the leader starts cron, updates and deliveries. */
  start(): Promise<void>;
  /** Stops everything by `deadline` (default: SHUTDOWN_TIMEOUT_MS from now); pending deliveries stay queued. */
  stop(deadline?: number): Promise<void>;
}

/**
 * The composition root: the only place that knows every part. Any number of instances may
 * share one store: every instance serves the health endpoints and (with WEBHOOK_URL) the
 * webhook; the one holding the leader lease polls the feeds, sends the posts and handles the
 * updates, so every call of the token goes through one flood budget. The others stand by and
 * take over within LEASE_TTL_S when it dies.
 */
export function createApp(deps: AppDeps): App {
  const { config, log, store } = deps;
  const instanceId = `${process.pid}-${randomUUID().slice(0, 8)}`;
  const fetcher = createFetcher(fetcherOptions(config));
  const offsetMin = zoneOffsetMinutes(config.TIMEZONE);
  const metrics = createMetrics();
  /** Each feed's last read time (seconds), for /stats's slowest feeds. */
  const readTimes = new Map<string, number>();
  const repos = createRepos(store, {
    operatorFeeds: config.FEEDS,
    seenTtlMs: config.SEEN_TTL_DAYS * 86_400_000,
  });

  // What a post says: article pages for teasers, abstractive summaries (app-summaries.ts).
  const summaries = createSummaryParts({ config, log, counters: repos.counters });

  const token = config.BOT_TOKEN;
  const tg: TelegramParts | undefined = token
    ? createTelegramParts({
        config: { ...config, BOT_TOKEN: token },
        log,
        repos,
        fetcher,
        offsetMin,
        instanceId,
        metrics,
        readTimes,
        now: deps.now,
      })
    : undefined;
  let cycleMs = 5 * 60_000;
  const task = createTask(config.POLL_CRON, () => runOnce(), {
    timezone: config.TIMEZONE,
    noOverlap: true,
    name: "poll",
    logger: cronLogger(log),
  });
  const [a, b] = task.getNextRuns(2);
  if (a && b) cycleMs = b.getTime() - a.getTime();

  const websub = createWebSubPart({ config, repos, log, metrics, poller: () => poller, now: deps.now });
  const poller: Poller = createPollerPart({
    config,
    log,
    repos,
    fetcher,
    summaries,
    tg,
    metrics,
    readTimes,
    websub,
    offsetMin,
    cycleMs,
    json: deps.json ?? false,
  });
  metrics.setQueueDepth(async () => {
    const c = await repos.deliveries.counts();
    return { pending: c.pending, dead: c.dead };
  });

  const cycle = createCycle({ config, store, repos, log, metrics, poller, tg, websub, now: deps.now });
  const runOnce = cycle.runOnce;

  let updates: { stop(): Promise<void>; poke?: () => void } | undefined;
  let updatesMode: "webhook" | "long-polling" | "standby" | "none" = "none";
  let webhook: RouteHandler | undefined;
  const webhookPath = config.WEBHOOK_URL ? new URL(config.WEBHOOK_URL).pathname : undefined;
  let stopping = false;
  let stopDeadline = Number.POSITIVE_INFINITY;
  let commandsSet = false;
  const starting = new AbortController();
  let health: { close(): Promise<void> } | undefined;
  const left = () =>
    Math.max(0, Math.min(stopDeadline, Date.now() + config.SHUTDOWN_TIMEOUT_MS) - Date.now());
  const bounded = <T>(p: Promise<T> | undefined) => {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      Promise.resolve(p).catch(() => undefined),
      new Promise((r) => {
        timer = setTimeout(r, left());
      }),
    ]).finally(() => clearTimeout(timer));
  };

  /**
   * Each leadership term has a number; follow() ends the term, and a lead() still starting
   * (waiting for the database or Telegram) checks after each step that its term is current,
   * so it starts nothing once this instance no longer leads.
   */
  let term = 0;

  /** What only the leader does: deliveries, updates, the poll schedule. */
  async function lead(): Promise<void> {
    const mine = ++term;
    const current = () => mine === term && !stopping;
    if (tg) {
      await tg.restorePauses().catch((err) => log.warn({ err }, "could not read the kept 429 pauses"));
      if (!current()) return;
      await tg.worker.start();
      if (!current()) return;
      tg.bulletins.start();
      if (config.WEBHOOK_URL) {
        updates = startInboxRunner({ bot: tg.bot, inbox: repos.inbox, log });
        updatesMode = "webhook";
      } else {
        await dropWebhook(tg.bot.api, log).catch((err) => log.warn({ err }, "could not check the webhook"));
        if (!current()) return;
        updates = startLongPolling({
          bot: tg.bot,
          log,
          timeoutSeconds: config.TELEGRAM_TIMEOUT_S,
          onFatal: (code) => deps.onFatal?.(code),
        });
        updatesMode = "long-polling";
      }
      log.info({ bot: tg.bot.botInfo.username, updates: updatesMode }, "bot is running");
    }
    task.start();
    void runOnce().catch((err) => log.error({ err }, "poll cycle failed"));
    if (tg && !commandsSet) {
      commandsSet = true;
      // Last: everything else already runs while Telegram takes its time.
      await setCommands(tg.bot, tg.i18n, config.DEFAULT_LANGUAGE).catch((err) =>
        log.warn({ err }, "could not set the command menus"),
      );
    }
  }

  /** Back to standby: nothing more is polled, sent or handled here (what is in flight ends). */
  async function follow(): Promise<void> {
    term++;
    await bounded(Promise.resolve(task.stop()));
    const u = updates;
    updates = undefined;
    updatesMode = config.WEBHOOK_URL ? "webhook" : tg ? "standby" : "none";
    await bounded(u?.stop());
    await bounded(tg?.bulletins.stop());
    await tg?.worker.stop(Math.min(left(), 10_000));
  }

  const leadership: Leadership = createLeadership({
    leases: repos.leases,
    log,
    name: "leader",
    owner: instanceId,
    ttlMs: config.LEASE_TTL_S * 1000,
    onLead: lead,
    onFollow: follow,
  });

  return {
    poller,
    fetcher,
    repos,
    bot: tg?.bot,
    worker: tg?.worker,
    bulletins: tg?.bulletins,
    budget: tg?.budget,
    instanceId,
    role: () => leadership.role(),
    runOnce,
    settled: cycle.settled,
    async start() {
      if (config.HTTP_PORT) {
        health = await startHealthServer(config.HTTP_PORT, {
          store: () => store.writeCheck(),
          lastCycleAt: cycle.lastCycleAt,
          maxCycleAgeMs: Math.max(3 * cycleMs, 120_000),
          deliveryStuck: () => tg?.worker.health().stuck ?? false,
          shuttingDown: () => stopping,
          leads: () => leadership.role() === "leader",
          updates: () => (leadership.role() === "leader" ? updatesMode : webhook ? "webhook" : "standby"),
          details: () =>
            tg && leadership.role() === "leader"
              ? { inFlight: tg.worker.stats().inFlight, due: tg.worker.stats().pending }
              : {},
          route: (path) => (path === webhookPath ? webhook : websub?.route(path)),
          metrics: async () => ({
            contentType: metrics.registry.contentType,
            body: await metrics.registry.metrics(),
          }),
          log,
        });
      }
      if (tg) {
        const connected = await connectTelegram({
          tg,
          config,
          inbox: repos.inbox,
          log,
          signal: starting.signal,
          onUpdate: () => updates?.poke?.(),
        });
        if (!connected) return;
        webhook = connected.webhook;
        if (webhook) updatesMode = "webhook";
      }
      if (stopping) return;
      await leadership.start();
    },
    async stop(deadline = Date.now() + config.SHUTDOWN_TIMEOUT_MS) {
      stopping = true;
      stopDeadline = deadline;
      starting.abort();
      // One deadline for the whole stop: each step gets what is left of it, whatever hangs.
      await bounded(leadership.stop());
      await bounded(Promise.resolve(task.stop()).then(() => task.destroy()));
      await bounded(cycle.running());
      await bounded(cycle.settled());
      await bounded(health?.close());
      fetcher.close();
      websub?.close();
      summaries.close();
    },
  };
}
