import type { LookupAddress } from "node:dns";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createFetcher,
  FetchError,
  type FetchOptions,
  parseRetryAfter,
  USER_AGENT,
} from "../src/feeds/fetch.js";
import type { DnsLookup } from "../src/feeds/ssrf.js";
import { isInternalAddress } from "../src/feeds/ssrf.js";
import { type FeedServer, rss, startFeedServer, staticFeed } from "./fakes/feed-server.js";

const FEED = rss([{ title: "Tin một", link: "https://tin.example/1", guid: "1" }]);
const base: FetchOptions = {
  timeoutMs: 3000,
  connectTimeoutMs: 1000,
  maxBytes: 64 * 1024,
  maxRedirects: 3,
  allowPrivate: false,
};

let server: FeedServer;
beforeAll(async () => {
  server = await startFeedServer();
  server.route("/feed", staticFeed(FEED, { etag: '"v1"', lastModified: "Fri, 27 Nov 2026 08:00:00 GMT" }));
  server.route(
    "/gzip",
    (_req, res) => void res.writeHead(200, { "content-encoding": "gzip" }).end(zlib.gzipSync(FEED)),
  );
  server.route(
    "/br",
    (_req, res) => void res.writeHead(200, { "content-encoding": "br" }).end(zlib.brotliCompressSync(FEED)),
  );
  for (let i = 0; i < 6; i++) {
    server.route(
      `/hop${i}`,
      (_req, res) => void res.writeHead(302, { location: i === 5 ? "/feed" : `/hop${i + 1}` }).end(),
    );
  }
  server.route("/r3", (_req, res) => void res.writeHead(301, { location: "/hop4" }).end());
  server.route("/hang", () => undefined);
  server.route("/slow-body", (_req, res) => {
    res.writeHead(200);
    res.write("<rss>");
  });
  server.route("/endless", (req, res) => {
    res.writeHead(200, { "content-type": "application/rss+xml" });
    const chunk = Buffer.alloc(16 * 1024, "a");
    let sent = 0;
    const pump = () => {
      while (!res.destroyed && sent < 50 * 1024 * 1024) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      res.end();
    };
    req.socket.on("close", () => {
      (server as unknown as { endlessSent: number }).endlessSent = sent;
    });
    pump();
  });
  server.route(
    "/big-declared",
    (_req, res) => void res.writeHead(200, { "content-length": String(10 * 1024 * 1024) }).end(),
  );
  server.route(
    "/bomb",
    (_req, res) =>
      void res
        .writeHead(200, { "content-encoding": "gzip" })
        .end(zlib.gzipSync(Buffer.alloc(2 * 1024 * 1024, " "))),
  );
  server.route("/429", (_req, res) => void res.writeHead(429, { "retry-after": "120" }).end());
  server.route(
    "/503",
    (_req, res) => void res.writeHead(503, { "retry-after": "Fri, 27 Nov 2099 08:00:00 GMT" }).end(),
  );
  server.route(
    "/to-internal",
    (_req, res) => void res.writeHead(302, { location: `http://127.0.0.2:${server.port}/feed` }).end(),
  );
});
afterAll(() => server.close());

describe("fetcher", () => {
  const fetcher = createFetcher(base);
  const trusted = (path: string) => ({ url: server.url(path), kind: "http" as const, trusted: true });

  it("fetches with an honest User-Agent and keeps the validators", async () => {
    const res = await fetcher.fetch(trusted("/feed"));
    expect(res.status).toBe("ok");
    if (res.status !== "ok") return;
    expect(res.body.toString()).toBe(FEED);
    expect(res.etag).toBe('"v1"');
    expect(res.lastModified).toBe("Fri, 27 Nov 2026 08:00:00 GMT");
    const seen = server.requests.at(-1);
    expect(seen?.headers["user-agent"]).toBe(USER_AGENT);
    expect(seen?.headers["accept-encoding"]).toContain("br");
  });

  it("answers a conditional GET with not-modified (ETag and Last-Modified)", async () => {
    expect((await fetcher.fetch(trusted("/feed"), { etag: '"v1"' })).status).toBe("not-modified");
    expect(server.requests.at(-1)?.headers["if-none-match"]).toBe('"v1"');
    expect(
      (await fetcher.fetch(trusted("/feed"), { lastModified: "Fri, 27 Nov 2026 08:00:00 GMT" })).status,
    ).toBe("not-modified");
    expect((await fetcher.fetch(trusted("/feed"), { etag: '"old"' })).status).toBe("ok");
  });

  it("decodes gzip and brotli", async () => {
    for (const path of ["/gzip", "/br"]) {
      const res = await fetcher.fetch(trusted(path));
      expect(res.status === "ok" && res.body.toString()).toBe(FEED);
    }
  });

  it("follows a bounded redirect chain", async () => {
    const ok = await fetcher.fetch(trusted("/r3"));
    expect(ok.status === "ok" && ok.url).toBe(server.url("/feed"));
    await expect(fetcher.fetch(trusted("/hop0"))).rejects.toMatchObject({ code: "EREDIRECT" });
  });

  it("gives up after the total timeout, whether headers or body hang", async () => {
    const quick = createFetcher({ ...base, timeoutMs: 300 });
    const t0 = Date.now();
    await expect(quick.fetch(trusted("/hang"))).rejects.toMatchObject({ code: "ETIMEOUT" });
    await expect(quick.fetch(trusted("/slow-body"))).rejects.toMatchObject({ code: "ETIMEOUT" });
    expect(Date.now() - t0).toBeLessThan(5000);
    quick.close();
  });

  it("aborts a body over the size cap instead of reading it all", async () => {
    await expect(fetcher.fetch(trusted("/endless"))).rejects.toMatchObject({ code: "ETOOBIG" });
    await new Promise((r) => setTimeout(r, 100));
    const sent = (server as unknown as { endlessSent: number }).endlessSent;
    expect(sent).toBeLessThan(10 * 1024 * 1024);
    await expect(fetcher.fetch(trusted("/big-declared"))).rejects.toMatchObject({ code: "ETOOBIG" });
    await expect(fetcher.fetch(trusted("/bomb"))).rejects.toMatchObject({ code: "ETOOBIG" });
  });

  it("reports Retry-After on 429 and 503", async () => {
    const e429 = await fetcher.fetch(trusted("/429")).catch((e: FetchError) => e);
    expect(e429).toBeInstanceOf(FetchError);
    expect((e429 as FetchError).extra).toEqual({ httpStatus: 429, retryAfterMs: 120_000 });
    const e503 = (await fetcher.fetch(trusted("/503")).catch((e: FetchError) => e)) as FetchError;
    expect(e503.extra.retryAfterMs).toBeGreaterThan(1000 * 86400 * 365);
    expect(parseRetryAfter("garbage")).toBeUndefined();
  });

  it("refuses local files that did not come from FEEDS", async () => {
    await expect(fetcher.fetch({ url: "/etc/passwd", kind: "file", trusted: false })).rejects.toMatchObject({
      code: "EFILE",
    });
  });

  afterAll(() => fetcher.close());
});

describe("SSRF guard", () => {
  it("classifies internal addresses", () => {
    for (const ip of [
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "fe80::1",
      "fd00::1",
      "::ffff:127.0.0.1",
      "::ffff:7f00:1",
      "64:ff9b::a9fe:a9fe",
      "224.0.0.1",
    ]) {
      expect(isInternalAddress(ip), ip).toBe(true);
    }
    for (const ip of ["1.1.1.1", "8.8.8.8", "2606:4700::1111", "203.113.1.1"])
      expect(isInternalAddress(ip), ip).toBe(false);
  });

  it("refuses loopback for untrusted feeds, by literal IP and by name", async () => {
    const f = createFetcher(base);
    await expect(f.fetch({ url: server.url("/feed"), kind: "http", trusted: false })).rejects.toMatchObject({
      code: "EBLOCKED",
    });
    await expect(
      f.fetch({ url: `http://localhost:${server.port}/feed`, kind: "http", trusted: false }),
    ).rejects.toMatchObject({ code: "EBLOCKED" });
    // Operator feeds are trusted (a local RSSHub is common), and ALLOW_PRIVATE_FEEDS opens it for all.
    expect((await f.fetch({ url: server.url("/feed"), kind: "http", trusted: true })).status).toBe("ok");
    f.close();
    const open = createFetcher({ ...base, allowPrivate: true });
    expect((await open.fetch({ url: server.url("/feed"), kind: "http", trusted: false })).status).toBe("ok");
    open.close();
  });

  // On loopback, 127.0.0.1 plays a public host and 127.0.0.2 an internal one.
  const isBlocked = (ip: string) => ip === "127.0.0.2";
  const resolve: DnsLookup = (hostname, _opts, cb) => {
    const map: Record<string, string> = { "public.test": "127.0.0.1", "rebind.test": "127.0.0.2" };
    const address = map[hostname];
    if (!address) return cb(Object.assign(new Error("ENOTFOUND"), { code: "ENOTFOUND" }), []);
    cb(null, [{ address, family: 4 } satisfies LookupAddress]);
  };

  it("checks every redirect hop", async () => {
    const f = createFetcher({ ...base, ssrf: { isBlocked, resolve } });
    expect(
      (await f.fetch({ url: `http://public.test:${server.port}/feed`, kind: "http", trusted: false })).status,
    ).toBe("ok");
    await expect(
      f.fetch({ url: `http://public.test:${server.port}/to-internal`, kind: "http", trusted: false }),
    ).rejects.toMatchObject({ code: "EBLOCKED" });
    f.close();
  });

  it("checks the address actually connected to (DNS rebinding)", async () => {
    const f = createFetcher({ ...base, ssrf: { isBlocked, resolve } });
    await expect(
      f.fetch({ url: `http://rebind.test:${server.port}/feed`, kind: "http", trusted: false }),
    ).rejects.toMatchObject({ code: "EBLOCKED" });
    f.close();
  });
});
