import { Writable } from "node:stream";
import { run } from "@grammyjs/runner";
import { Bot, HttpError } from "grammy";
import { createTask } from "node-cron";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger, type Logger, logDestination, redactText, secretsFromUrl } from "../src/log.js";
import { cronLogger, logUpdateFetchErrors, routeLibraryConsole } from "../src/log-routing.js";

const token = "1234567:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const dbPassword = "pg-S3cret!";
const storeUrl = `postgres://bantin:${encodeURIComponent(dbPassword)}@db.internal:5432/bantin`;
const webhookSecret = "wh-Secret-Value-42";
const urlPassword = "hunter2hunter2";
const credUrl = `https://alice:${urlPassword}@feeds.example.com/rss`;
const SECRETS = [token, dbPassword, encodeURIComponent(dbPassword), webhookSecret, urlPassword];

function capture(level = "debug", secrets: string[] = [token, ...secretsFromUrl(storeUrl), webhookSecret]) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const log = createLogger(level, sink, { secrets });
  const records = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, lines, out: () => lines.join(""), records };
}

function expectClean(out: string) {
  for (const secret of SECRETS) expect(out).not.toContain(secret);
  expect(out).toContain("[redacted]");
}

class DatabaseError extends Error {
  code = "28P01";
  severity = "FATAL";
  detail = `connection string ${storeUrl}`;
  where: unknown;
}

describe("logger", () => {
  it("never writes the bot token, in messages, errors or fields", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger("info", sink).child({ component: "test" });
    log.info(`calling https://api.telegram.org/bot${token}/getMe`);
    log.error({ err: new Error(`failed for bot${token}`) }, "boom");
    log.warn({ BOT_TOKEN: token }, "config");
    const out = lines.join("");
    expect(out).not.toContain(token);
    expect(out).toContain("[redacted]");
    expect(out).toContain('"component":"test"');
  });

  it("scrubs tokens, passwords and URL credentials at any depth, keeping the useful parts", () => {
    const { log, out, records } = capture();
    const pg = new DatabaseError(`password authentication failed for "${dbPassword}"`);
    pg.where = { conn: { url: storeUrl, nested: [[`bot${token}`]] } };
    const cause = new Error(`GET ${credUrl} failed`, { cause: pg });
    const agg = new AggregateError(
      [new Error(`sendMessage via https://api.telegram.org/bot${token}/sendMessage`), pg],
      `2 feeds failed (${webhookSecret})`,
    );
    const http = new HttpError("Network request for 'getUpdates' failed!", cause);

    const child = log.child({ component: "poller", store: storeUrl, feed: { url: credUrl } });
    child.error(
      {
        config: {
          BOT_TOKEN: token,
          STORE_URL: storeUrl,
          deeper: { list: [{ a: [{ b: { c: `x ${token} y` } }] }] },
        },
        results: [{ url: credUrl }, { note: `secret is ${webhookSecret}` }],
        err: http,
        aggregate: agg,
      },
      "cycle failed for %s with %o (%s)",
      credUrl,
      { token, url: storeUrl },
      new Error(`bad ${dbPassword}`),
    );
    child.warn(`plain message with bot${token} and ${storeUrl} and ${webhookSecret}`);
    child.error(pg);

    const text = out();
    expectClean(text);
    // useful fields survive
    expect(text).toContain('"component":"poller"');
    expect(text).toContain("db.internal:5432/bantin");
    expect(text).toContain("postgres://bantin:[redacted]@db.internal");
    expect(text).toContain("https://alice:[redacted]@feeds.example.com/rss");
    expect(text).toContain("plain message with bot[redacted] and");
    expect(text).toContain("x [redacted] y");

    const [first, second, third] = records();
    expect(first?.msg).toMatch(
      /^cycle failed for https:\/\/alice:\[redacted\]@feeds\.example\.com\/rss with /,
    );
    expect(first?.config).toMatchObject({ BOT_TOKEN: "[redacted]" });
    // errors keep pino's shape: type, message (with causes), stack, own properties
    const err = first?.err as Record<string, unknown>;
    expect(err.type).toBe("HttpError");
    expect(err.message).toBe("Network request for 'getUpdates' failed!");
    expect(err.stack).toContain("HttpError: Network request");
    const inner = err.error as Record<string, unknown>;
    expect(inner.type).toBe("Error");
    expect(inner.message).toBe(
      'GET https://alice:[redacted]@feeds.example.com/rss failed: password authentication failed for "[redacted]"',
    );
    expect(inner.stack).toContain("caused by: Error: password authentication failed");
    const aggregate = first?.aggregate as Record<string, unknown>;
    expect(aggregate.type).toBe("AggregateError");
    expect(aggregate.message).toBe("2 feeds failed ([redacted])");
    expect(aggregate.aggregateErrors).toHaveLength(2);
    expect((aggregate.aggregateErrors as Record<string, unknown>[])[1]).toMatchObject({
      type: "DatabaseError",
      code: "28P01",
      severity: "FATAL",
      detail: "connection string postgres://bantin:[redacted]@db.internal:5432/bantin",
    });
    expect(second?.level).toBe("warn");
    expect(third).toMatchObject({ level: "error", msg: 'password authentication failed for "[redacted]"' });
    expect((third!.err as Record<string, unknown>).type).toBe("DatabaseError");
  });

  it("redacts the values of secret-looking keys, case-insensitively, at any depth", () => {
    const { log, records } = capture();
    const keys = [
      "password",
      "Passwd",
      "pwd",
      "secret",
      "TOKEN",
      "apiKey",
      "api_key",
      "x-api-key",
      "Authorization",
      "cookie",
      "Set-Cookie",
      "BOT_TOKEN",
      "WEBHOOK_SECRET",
      "dbPassword",
      "secret_token",
    ];
    const fields = Object.fromEntries(keys.map((k) => [k, "value-that-must-go"]));
    log.info(
      { component: "cfg", a: { b: [{ c: fields }] }, empty: { password: "" }, tokenCount: 3 },
      "config",
    );
    const [rec] = records();
    const c = ((rec!.a as { b: { c: Record<string, unknown> }[] }).b[0] as { c: Record<string, unknown> }).c;
    for (const k of keys) expect(c[k]).toBe("[redacted]");
    expect(rec?.empty).toEqual({ password: "" });
    expect(rec?.tokenCount).toBe(3);
    expect(rec?.component).toBe("cfg");
  });

  it("replaces known secrets and key=value pairs anywhere in a string", () => {
    const { log, out } = capture();
    log.info(
      { note: `host=db password=${dbPassword} sslmode=require` },
      `hook ?secret_token=${webhookSecret}&x=1`,
    );
    log.info({ [webhookSecret]: 1 }, "a secret as a key");
    // a token assembled by printf from two harmless-looking pieces
    log.info("%s:%s", "1234567", "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw");
    const text = out();
    expectClean(text);
    expect(text).toContain("host=db password=[redacted] sslmode=require");
    expect(text).toContain("hook ?secret_token=[redacted]&x=1");
    for (const line of text.trim().split("\n")) expect(() => JSON.parse(line)).not.toThrow();
  });

  it("survives cycles and very deep objects without mutating what was logged", () => {
    const { log, records } = capture();
    const cyclic: Record<string, unknown> = { name: "loop", token };
    cyclic.self = cyclic;
    cyclic.list = [cyclic, { back: cyclic }];
    const a = new Error("a") as Error & { cause?: unknown; peer?: unknown };
    const b = new Error(`b ${token}`, { cause: a });
    a.cause = b;
    a.peer = { a };
    let deep: Record<string, unknown> = { secret: "leaf", text: `bot${token}` };
    for (let i = 0; i < 50; i++) deep = { next: deep };
    const shared = { url: storeUrl };
    log.info({ cyclic, err: a, deep, x: shared, y: shared }, "cycles");
    const [rec] = records();
    expect(JSON.stringify(rec)).not.toContain(token);
    expect(rec?.cyclic).toMatchObject({ name: "loop", token: "[redacted]", self: "[Circular]" });
    expect((rec!.err as Record<string, unknown>).message).toBe("a: b [redacted]: ...");
    expect(JSON.stringify(rec?.deep)).toContain("[Truncated]");
    expect(rec?.x).toEqual({ url: "postgres://bantin:[redacted]@db.internal:5432/bantin" });
    expect(rec?.y).toEqual(rec?.x);
    // the caller's objects are untouched
    expect(cyclic.token).toBe(token);
    expect(shared.url).toBe(storeUrl);
  });

  it("keeps lines small and untouched when there is nothing to scrub", () => {
    const { log, records } = capture("info", []);
    const fields = { component: "planner", feed: "vne", items: 3, at: new Date(0) };
    log.info(fields, "deliveries planned");
    log.debug({ token }, "below the level: not even walked");
    expect(records()).toEqual([
      expect.objectContaining({
        level: "info",
        component: "planner",
        feed: "vne",
        items: 3,
        at: "1970-01-01T00:00:00.000Z",
        msg: "deliveries planned",
      }),
    ]);
  });
});

describe("secretsFromUrl", () => {
  it("returns the password as written, decoded and re-encoded", () => {
    expect(secretsFromUrl("postgres://user:p%40ss@host/db").sort()).toEqual(["p%40ss", "p@ss"]);
    expect(secretsFromUrl("redis://:pw0rd-1@cache:6379/0")).toEqual(["pw0rd-1"]);
    expect(secretsFromUrl("postgres://host/db?password=q%2Fz").sort()).toEqual(["q%2Fz", "q/z"]);
    expect(secretsFromUrl("sqlite://./data/bantin.sqlite")).toEqual([]);
    expect(secretsFromUrl("postgres://user@host/db")).toEqual([]);
    expect(secretsFromUrl("not a url")).toEqual([]);
  });
});

describe("log routing", () => {
  const restore: (() => void)[] = [];
  afterEach(() => {
    for (const fn of restore.splice(0).reverse()) fn();
  });

  /** A fake real console under the router, to prove nothing reaches it. */
  function fakeConsole() {
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    restore.push(() => {
      error.mockRestore();
      warn.mockRestore();
    });
    return { error, warn };
  }

  function route(log: Logger) {
    const uninstall = routeLibraryConsole(log);
    restore.push(uninstall);
    return uninstall;
  }

  function failingBot(fetchImpl: (url: string, init?: { signal?: AbortSignal }) => Promise<Response>) {
    return new Bot(token, {
      botInfo: {
        id: 1234567,
        is_bot: true,
        first_name: "bantin",
        username: "bantin_bot",
        can_join_groups: true,
        can_read_all_group_messages: false,
        supports_inline_queries: false,
        can_connect_to_business: false,
        has_main_web_app: false,
      } as Bot["botInfo"],
      client: { fetch: ((url: string, init?: { signal?: AbortSignal }) => fetchImpl(url, init)) as never },
    });
  }

  const networkDown = async (url: string) => {
    throw new TypeError(`request to ${url} failed, reason: connect ECONNREFUSED`);
  };

  it('routes console.error("[grammY runner]", err) to pino, scrubbed, and nothing else', async () => {
    const real = fakeConsole();
    const { log, out, records } = capture();
    const uninstall = route(log);
    const err = new HttpError(
      "Network request for 'getUpdates' failed!",
      new TypeError(`request to https://api.telegram.org/bot${token}/getUpdates failed`),
    );
    console.error("[grammY runner] Error while fetching updates:");
    console.error("[grammY runner]", err);
    console.error("something else", 42);
    console.warn("a warning of our own");
    await Promise.resolve();
    expect(real.error).toHaveBeenCalledTimes(1);
    expect(real.error).toHaveBeenCalledWith("something else", 42);
    expect(real.warn).toHaveBeenCalledWith("a warning of our own");
    expectClean(out());
    expect(records()).toEqual([
      expect.objectContaining({
        level: "warn",
        component: "grammy-runner",
        msg: "Error while fetching updates",
      }),
    ]);
    expect(out()).toContain("bot[redacted]/getUpdates");
    expect(out()).toContain('"type":"HttpError"');

    uninstall();
    console.error("[grammY runner] after uninstall");
    expect(real.error).toHaveBeenLastCalledWith("[grammY runner] after uninstall");
  });

  it("routes what the real runner prints when getUpdates fails", async () => {
    const real = fakeConsole();
    const { log, out, records } = capture();
    route(log);
    const bot = failingBot(networkDown);
    const handle = run(bot, { runner: { retryInterval: 50 } });
    await vi.waitFor(() => expect(records().length).toBeGreaterThan(0), { timeout: 5000 });
    await handle.stop();
    await Promise.resolve();
    expect(real.error).not.toHaveBeenCalled();
    expectClean(out());
    expect(records()[0]).toMatchObject({ component: "grammy-runner", msg: "Error while fetching updates" });
    expect(out()).toContain("https://api.telegram.org/bot[redacted]/getUpdates failed");
  });

  it("with runner.silent and the getUpdates transformer, the console is untouched", async () => {
    const real = fakeConsole();
    const { log, out, records } = capture();
    const bot = failingBot(networkDown);
    bot.api.config.use(logUpdateFetchErrors(log));
    const handle = run(bot, { runner: { silent: true, retryInterval: 50 } });
    await vi.waitFor(() => expect(records().length).toBeGreaterThan(0), { timeout: 5000 });
    await handle.stop();
    const count = records().length;
    expect(real.error).not.toHaveBeenCalled();
    expectClean(out());
    expect(records()[0]).toMatchObject({
      level: "warn",
      component: "grammy-runner",
      msg: "error while fetching updates",
      err: { type: "HttpError" },
    });
    expect(out()).toContain("bot[redacted]/getUpdates failed");
    // a call aborted by stop() is not an error worth a line
    await new Promise((r) => setTimeout(r, 120));
    expect(records().length).toBe(count);
  });

  it("logs a Bot API refusal of getUpdates as an error and leaves other methods alone", async () => {
    const { log, records } = capture();
    const bot = failingBot(async (url) =>
      url.endsWith("/getUpdates")
        ? Response.json({
            ok: false,
            error_code: 409,
            description: "Conflict: terminated by other getUpdates",
          })
        : Response.json({ ok: false, error_code: 400, description: "Bad Request" }),
    );
    bot.api.config.use(logUpdateFetchErrors(log));
    await expect(bot.api.getUpdates({ timeout: 0 })).rejects.toThrow(/409/);
    await expect(bot.api.sendMessage(1, "hi")).rejects.toThrow(/400/);
    const aborted = new AbortController();
    aborted.abort();
    await expect(
      bot.api.getUpdates({ timeout: 0 }, aborted.signal as Parameters<typeof bot.api.getUpdates>[1]),
    ).rejects.toThrow();
    expect(records()).toEqual([
      expect.objectContaining({
        level: "error",
        component: "grammy-runner",
        error_code: 409,
        description: "Conflict: terminated by other getUpdates",
      }),
    ]);
  });

  it("routes the runner's banner when bot.catch itself throws", async () => {
    const real = fakeConsole();
    const { log, out, records } = capture();
    route(log);
    let served = false;
    const bot = failingBot(async (url, init) => {
      if (url.endsWith("/getUpdates") && !served) {
        served = true;
        const message = {
          message_id: 1,
          date: 0,
          chat: { id: 1, type: "private", first_name: "a" },
          from: { id: 1, is_bot: false, first_name: "a" },
          text: "hi",
        };
        return Response.json({ ok: true, result: [{ update_id: 1, message }] });
      }
      return new Promise<Response>((_, reject) =>
        init?.signal?.addEventListener("abort", () => reject(new Error("aborted"))),
      );
    });
    bot.use(() => {
      throw new Error("handler failed");
    });
    bot.catch(() => {
      throw new Error(`catch failed for bot${token}`);
    });
    const handle = run(bot);
    await vi.waitFor(() => expect(records().length).toBeGreaterThan(0), { timeout: 5000 });
    await handle.stop();
    await Promise.resolve();
    expect(real.error).not.toHaveBeenCalled();
    expectClean(out());
    expect(records()).toEqual([
      expect.objectContaining({
        level: "error",
        component: "grammy-runner",
        msg: "the bot's error handler (bot.catch) threw an error",
        err: expect.objectContaining({ message: "catch failed for bot[redacted]" }),
      }),
    ]);
  });

  it("node-cron: a task's logger option sends failures to pino", async () => {
    const real = fakeConsole();
    const { log, out, records } = capture();
    const task = createTask(
      "0 0 1 1 *",
      () => {
        throw new Error(`poll failed: ${storeUrl}`);
      },
      { logger: cronLogger(log), name: "test-cron-logger" },
    );
    await expect(task.execute()).rejects.toThrow();
    cronLogger(log).warn("task still running, new execution blocked by overlap prevention!");
    await task.destroy();
    expect(real.error).not.toHaveBeenCalled();
    expectClean(out());
    expect(records()).toEqual([
      expect.objectContaining({
        level: "error",
        component: "cron",
        msg: "poll failed: postgres://bantin:[redacted]@db.internal:5432/bantin",
        err: expect.objectContaining({ type: "Error" }),
      }),
      expect.objectContaining({ level: "warn", component: "cron" }),
    ]);
  });

  it("node-cron: its default console logger is routed too", async () => {
    const real = fakeConsole();
    const { log, out, records } = capture();
    route(log);
    const task = createTask(
      "0 0 1 1 *",
      () => {
        throw new Error(`bot${token} failed`);
      },
      { name: "test-cron-console" },
    );
    await expect(task.execute()).rejects.toThrow();
    await task.destroy();
    expect(real.error).not.toHaveBeenCalled();
    expectClean(out());
    expect(records()).toEqual([
      expect.objectContaining({
        level: "error",
        component: "cron",
        msg: "bot[redacted] failed",
        err: expect.objectContaining({ type: "Error", message: "bot[redacted] failed" }),
      }),
    ]);
  });
});

describe("redactText", () => {
  it("scrubs text written outside the logger", () => {
    expect(redactText(`store ${storeUrl}, bot${token}`)).toBe(
      "store postgres://bantin:[redacted]@db.internal:5432/bantin, bot[redacted]",
    );
    expect(redactText(`hook ${webhookSecret}`, [webhookSecret])).toBe("hook [redacted]");
  });
});

describe("log format: JSON lines, or readable lines on a terminal", () => {
  const fakeStderr = (tty: boolean) => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        chunks.push(String(chunk));
        done();
      },
    }) as unknown as NodeJS.WriteStream;
    (stream as { isTTY?: boolean }).isTTY = tty;
    return { stream, text: () => chunks.join("") };
  };

  it("auto: JSON when stderr is not a terminal, pretty (pino-pretty) when it is; secrets scrubbed in both", async () => {
    const pipe = fakeStderr(false);
    const json = await logDestination("auto", pipe.stream);
    expect(json.pretty).toBe(false);
    createLogger("info", json.stream, { secrets: ["s3cretvalue"] }).info({ key: "s3cretvalue" }, "hello");
    expect(JSON.parse(pipe.text().trim())).toMatchObject({ level: "info", msg: "hello" });
    expect(pipe.text()).not.toContain("s3cretvalue");

    const tty = fakeStderr(true);
    const pretty = await logDestination("auto", tty.stream);
    expect(pretty.pretty).toBe(true);
    createLogger("info", pretty.stream, { secrets: ["s3cretvalue"] }).warn(
      { key: "s3cretvalue" },
      "cycle done",
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(tty.text()).toContain("cycle done");
    expect(tty.text()).toMatch(/WARN/);
    expect(tty.text()).not.toContain('{"level"');
    expect(tty.text()).not.toContain("s3cretvalue");
    // Asked for: JSON on a terminal too.
    expect((await logDestination("json", fakeStderr(true).stream)).pretty).toBe(false);
  });
});
