import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type App, createApp } from "../src/app.js";
import { createLeadership, type Leadership } from "../src/cluster/leader.js";
import { loadConfig } from "../src/config.js";
import { createRepos } from "../src/store/repos.js";
import { openStore, type Store } from "../src/store/store.js";
import { rss, startFeedServer } from "./fakes/feed-server.js";
import { FakeTelegram, TOKEN } from "./fakes/telegram-server.js";
import { freePort, tempDir, testLog, waitUntil } from "./helpers.js";

const dir = tempDir();
afterAll(() => dir.cleanup());
let n = 0;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * Instances of one bot on one SQLite file, with a fake Bot API and an empty feed: `envs[i]`
 * is added to instance i's environment. Started, and stopped after the test.
 */
async function startInstances(name: string, envs: Array<Record<string, string>>) {
  const tg = await new FakeTelegram().start();
  cleanups.push(() => tg.close());
  const feeds = await startFeedServer();
  cleanups.push(() => feeds.close());
  feeds.route("/rss", (_q, res) => void res.writeHead(200).end(rss([], "Báo Hà Tĩnh")));
  const file = join(dir.path, `${name}${n++}.sqlite`);
  const apps: App[] = [];
  const stores: Store[] = [];
  cleanups.push(async () => {
    for (const a of apps) await a.stop();
    for (const s of stores) await s.close();
  });
  for (const extra of envs) {
    const config = loadConfig(
      {
        FEEDS: `hatinh=${feeds.url("/rss")}`,
        ARTICLE_PAGES: "never",
        STORE_URL: `sqlite://${file}`,
        BOT_TOKEN: TOKEN,
        TELEGRAM_API_ROOT: tg.apiRoot,
        POLL_CRON: "0 0 1 1 *",
        POLL_MIN: "0",
        POLL_MAX: "0",
        LOG_LEVEL: "silent",
        LEASE_TTL_S: "3",
        ...extra,
      },
      "/nonexistent.xml",
    );
    const store = await openStore(config.STORE_URL, { log: testLog });
    stores.push(store);
    apps.push(createApp({ config, log: testLog, store }));
  }
  return { tg, apps };
}

describe("leadership (a lease in the database)", () => {
  async function pair(ttlMs: number) {
    const store = await openStore(`sqlite://${join(dir.path, `lease${n++}.sqlite`)}`, { log: testLog });
    cleanups.push(() => store.close());
    const repos = createRepos(store, { operatorFeeds: [], seenTtlMs: 60_000 });
    const events: string[] = [];
    const make = (owner: string, leases = repos.leases): Leadership => {
      const l = createLeadership({
        leases,
        log: testLog,
        name: "leader",
        owner,
        ttlMs,
        onLead: async () => void events.push(`${owner} leads`),
        onFollow: async () => void events.push(`${owner} follows`),
      });
      cleanups.push(() => l.stop());
      return l;
    };
    return { make, events, repos };
  }

  it("exactly one of several instances leads; a clean stop hands over at once", async () => {
    const { make, events } = await pair(900);
    const a = make("a");
    const b = make("b");
    const c = make("c");
    await Promise.all([a.start(), b.start(), c.start()]);
    const roles = [a, b, c].map((l) => l.role());
    expect(roles.filter((r) => r === "leader")).toHaveLength(1);
    expect(roles.filter((r) => r === "standby")).toHaveLength(2);
    const leader = [a, b, c].find((l) => l.role() === "leader") as Leadership;
    await leader.stop();
    // Released: a standby takes it at its next try (a third of the TTL), not after the TTL.
    const t0 = Date.now();
    await waitUntil("a new leader", () => [a, b, c].some((l) => l !== leader && l.role() === "leader"));
    expect(Date.now() - t0).toBeLessThan(900);
    expect([a, b, c].filter((l) => l.role() === "leader")).toHaveLength(1);
    expect(events.filter((e) => e.endsWith("leads"))).toHaveLength(2);
  });

  it("a leader whose start fails steps down, releases the lease, and another leads", async () => {
    const { repos } = await pair(900);
    const events: string[] = [];
    const broken = createLeadership({
      leases: repos.leases,
      log: testLog,
      name: "leader",
      owner: "broken",
      ttlMs: 900,
      onLead: async () => {
        events.push("start");
        throw new Error("cannot start");
      },
      onFollow: async () => void events.push("stop"),
    });
    cleanups.push(() => broken.stop());
    await broken.start(); // returns: no wait on itself
    expect(events.slice(0, 2)).toEqual(["start", "stop"]);
    expect((await repos.leases.holder("leader"))?.owner).not.toBe("broken");
    const good = createLeadership({
      leases: repos.leases,
      log: testLog,
      name: "leader",
      owner: "good",
      ttlMs: 900,
      onLead: async () => undefined,
      onFollow: async () => undefined,
    });
    cleanups.push(() => good.stop());
    await good.start();
    await waitUntil("the good one leads", () => good.role() === "leader", 3000);
  });

  it("a lease taken by a standby just as it stops is released", async () => {
    const { make, repos } = await pair(900);
    const a = make("a");
    await a.start();
    await a.stop();
    expect(await repos.leases.holder("leader")).toBeUndefined();
  });

  it("a leader that dies (stops renewing) is replaced once its lease expires", async () => {
    const { make, repos } = await pair(900);
    // A leader killed right after its last renewal: the lease stays for the whole TTL.
    await repos.leases.acquire("leader", "killed", 900);
    const diedAt = Date.now();
    const b = make("b");
    await b.start();
    expect(b.role()).toBe("standby");
    await waitUntil("b takes over", () => b.role() === "leader", 3000);
    const took = Date.now() - diedAt;
    expect(took).toBeGreaterThanOrEqual(890);
    // Within the TTL plus one try (a third of it).
    expect(took).toBeLessThan(900 + 300 + 200);
  });

  it("a leader that cannot reach the database steps down before its lease could be taken", async () => {
    const { make, repos, events } = await pair(900);
    let down = false;
    const flaky = {
      ...repos.leases,
      acquire: async (name: string, owner: string, ttl: number) => {
        if (down) throw new Error("database is away");
        return repos.leases.acquire(name, owner, ttl);
      },
    };
    const a = make("a", flaky);
    await a.start();
    expect(a.role()).toBe("leader");
    down = true;
    const lostAt = Date.now();
    await waitUntil("a steps down", () => a.role() === "standby", 3000);
    // Before the lease's own expiry (900 ms after the last renewal): no moment with two leaders.
    const lease = await repos.leases.holder("leader");
    expect(Date.now()).toBeLessThan(lease?.expiresAt ?? 0);
    expect(Date.now() - lostAt).toBeLessThan(900);
    expect(events).toEqual(["a leads", "a follows"]);
    down = false;
    await waitUntil("a leads again", () => a.role() === "leader", 3000);
  });
});

describe("webhook mode, two instances behind one URL", () => {
  const SECRET = "s3cret-token_for-tests";
  const USER = 42;

  async function cluster() {
    const ports = [await freePort(), await freePort()];
    const { tg, apps } = await startInstances(
      "hook",
      ports.map((port) => ({
        HTTP_PORT: String(port),
        // Both serve the same path; the fake's "load balancer" picks the port.
        WEBHOOK_URL: `http://127.0.0.1:${ports[0]}/tg/hook`,
        WEBHOOK_SECRET: SECRET,
      })),
    );
    tg.addChat({ id: USER, type: "private" });
    await Promise.all(apps.map((a) => a.start()));
    // Alternate between the instances, as a round-robin load balancer would.
    tg.webhookRoute = (url, i) => url.replace(`:${ports[0]}`, `:${ports[i % 2]}`);
    const readyz = async (i: number) =>
      (await (await fetch(`http://127.0.0.1:${ports[i]}/readyz`)).json()) as Record<string, unknown>;
    return { tg, apps, ports, readyz };
  }

  it("registers the webhook, refuses requests without the secret, and handles each update once", async () => {
    const { tg, apps, ports, readyz } = await cluster();
    expect(tg.webhook).toMatchObject({ url: `http://127.0.0.1:${ports[0]}/tg/hook`, secretToken: SECRET });
    expect(tg.webhook?.allowedUpdates).toContain("callback_query");
    expect(apps.map((a) => a.role()).sort()).toEqual(["leader", "standby"]);
    const states = await Promise.all([readyz(0), readyz(1)]);
    expect(states.map((s) => s.role).sort()).toEqual(["leader", "standby"]);
    expect(states.map((s) => s.updates)).toEqual(["webhook", "webhook"]);

    const update = (id: number, text: string) => ({
      update_id: id,
      message: {
        message_id: id,
        date: Math.floor(Date.now() / 1000),
        chat: { id: USER, type: "private", first_name: "U" },
        from: { id: USER, is_bot: false, first_name: "U", language_code: "vi" },
        text,
        entities: [{ type: "bot_command", offset: 0, length: text.length }],
      },
    });
    for (const port of ports) {
      const url = `http://127.0.0.1:${port}/tg/hook`;
      expect(await tg.postWebhook(update(900, "/help"), { url, secret: null })).toBe(401);
      expect(await tg.postWebhook(update(900, "/help"), { url, secret: "wrong-secret-0123456789" })).toBe(
        401,
      );
    }
    expect(tg.sentTo(USER)).toHaveLength(0);

    // The same update at both instances (Telegram found the first answer slow): one reply.
    for (const port of ports) {
      expect(await tg.postWebhook(update(901, "/help"), { url: `http://127.0.0.1:${port}/tg/hook` })).toBe(
        200,
      );
    }
    await waitUntil("the /help reply", () => tg.sentTo(USER).length > 0);
    // And a later update through the fake's own delivery, alternating instances.
    tg.message(USER, USER, "/latest");
    tg.message(USER, USER, "/help");
    await waitUntil("three replies", () => tg.sentTo(USER).length >= 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(tg.sentTo(USER)).toHaveLength(3);
    expect(new Set(tg.webhookPosts.filter((p) => p.status === 200).map((p) => p.url)).size).toBe(2);
  });

  it("when the leader stops, the standby handles the updates", async () => {
    const { tg, apps } = await cluster();
    const leader = apps.find((a) => a.role() === "leader") as App;
    const standby = apps.find((a) => a.role() === "standby") as App;
    await leader.stop();
    await waitUntil("the standby leads", () => standby.role() === "leader", 5000);
    // Both URLs still get posts; the stopped instance's answer fails and Telegram retries.
    tg.message(USER, USER, "/help");
    await waitUntil("the reply", () => tg.sentTo(USER).length === 1, 10_000);
  });
});

describe("429 pauses across instances", () => {
  it("a pause Telegram announced to the leader is honoured by the instance that takes over", async () => {
    const { apps } = await startInstances("pause", [{}, {}]);
    await Promise.all(apps.map((a) => a.start()));
    const leader = apps.find((a) => a.role() === "leader") as App;
    const standby = apps.find((a) => a.role() === "standby") as App;
    const before = Date.now();
    leader.budget?.onFlood(-500, 30);
    leader.budget?.onFlood(undefined, 20);
    await waitUntil("the pauses kept", async () => (await leader.repos.pauses.active()).length === 2);
    await leader.stop();
    await waitUntil("the standby leads", () => standby.role() === "leader", 5000);
    const b = standby.budget;
    expect(b?.chatReadyAt(-500)).toBeGreaterThanOrEqual(before + 30_000);
    expect(b?.globalReadyAt()).toBeGreaterThanOrEqual(before + 20_000);
    // Honoured, not counted: this instance was not answered 429 itself.
    expect(b?.stats().flood429).toBe(0);
  });
});
