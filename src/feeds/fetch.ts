import { open } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { Readable } from "node:stream";
import zlib from "node:zlib";
import { type ResponseHints, responseHints } from "./hints.js";
import { BlockedAddressError, createGuardedLookup, type DnsLookup, isInternalAddress } from "./ssrf.js";

export const USER_AGENT = "bantin/0.1 (RSS-to-Telegram news bot; +https://github.com/bantin-bot/bantin)";

export interface FetchOptions {
  timeoutMs: number;
  connectTimeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  userAgent?: string;
  /** ALLOW_PRIVATE_FEEDS: let untrusted (chat-added) feeds reach internal addresses too. */
  allowPrivate: boolean;
  /** For tests: what counts as internal, and the resolver (default: the real ones). */
  ssrf?: { isBlocked?: (ip: string) => boolean; resolve?: DnsLookup };
}

export type { ResponseHints };

/** Conditional-GET validators remembered from the previous successful fetch. */
export interface Validators {
  etag?: string | undefined;
  lastModified?: string | undefined;
}

export interface FetchTarget {
  url: string;
  kind: "http" | "file";
  /** Operator-configured feeds are trusted (a local RSSHub is common); chat-added ones are not. */
  trusted: boolean;
  /** A shorter timeout for this fetch than the fetcher's own (an article page's deadline). */
  timeoutMs?: number | undefined;
}

export type FetchResult =
  | { status: "not-modified"; url: string; hints?: ResponseHints | undefined; movedTo?: string | undefined }
  | {
      status: "ok";
      url: string;
      /** Every redirect on the way was permanent (301, 308): the feed's new address. */
      movedTo?: string | undefined;
      hints?: ResponseHints | undefined;
      body: Buffer;
      contentType?: string | undefined;
      etag?: string | undefined;
      lastModified?: string | undefined;
    };

export class FetchError extends Error {
  override name = "FetchError";
  constructor(
    message: string,
    readonly code: string,
    readonly extra: { httpStatus?: number; retryAfterMs?: number } = {},
  ) {
    super(message);
  }
}

export interface Fetcher {
  fetch(target: FetchTarget, validators?: Validators): Promise<FetchResult>;
  close(): void;
}

export function createFetcher(options: FetchOptions): Fetcher {
  const isBlocked = options.ssrf?.isBlocked ?? isInternalAddress;
  const guardedLookup = createGuardedLookup(isBlocked, options.ssrf?.resolve);
  // Separate pools: a kept-alive socket opened for a trusted feed must never serve a guarded one.
  const agents = {
    trusted: { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) },
    guarded: {
      http: new http.Agent({ keepAlive: true, lookup: guardedLookup }),
      https: new https.Agent({ keepAlive: true, lookup: guardedLookup }),
    },
  };

  async function fetchFeed(target: FetchTarget, validators: Validators = {}): Promise<FetchResult> {
    if (target.kind === "file") {
      if (!target.trusted) throw new FetchError("local files are only accepted from FEEDS", "EFILE");
      return readFileFeed(target.url, validators, options.maxBytes);
    }
    const guarded = !target.trusted && !options.allowPrivate;
    const pool = guarded ? agents.guarded : agents.trusted;
    const controller = new AbortController();
    const timeoutMs = Math.max(1, Math.min(options.timeoutMs, target.timeoutMs ?? options.timeoutMs));
    const timer = setTimeout(
      () => controller.abort(new FetchError(`timed out after ${timeoutMs} ms`, "ETIMEOUT")),
      timeoutMs,
    );
    try {
      let url = parseHttpUrl(target.url);
      // A feed has moved when it was redirected, and only permanently, all the way.
      let permanent = true;
      const moved = (hop: number) => (hop > 0 && permanent ? { movedTo: url.toString() } : {});
      for (let hop = 0; ; hop++) {
        if (guarded) assertPublicLiteral(url, isBlocked);
        const res = await get(url, validators, pool, controller.signal);
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && status !== 304) {
          res.resume();
          const location = res.headers.location;
          if (!location) throw new FetchError(`HTTP ${status} without a Location header`, "EREDIRECT");
          if (hop >= options.maxRedirects) {
            throw new FetchError(`more than ${options.maxRedirects} redirects`, "EREDIRECT");
          }
          url = parseHttpUrl(new URL(location, url).toString());
          if (status !== 301 && status !== 308) permanent = false;
          continue;
        }
        if (status === 304) {
          res.resume();
          return {
            status: "not-modified",
            url: url.toString(),
            hints: responseHints(res.headers),
            ...moved(hop),
          };
        }
        if (status < 200 || status >= 300) {
          res.resume();
          const retryAfterMs = parseRetryAfter(res.headers["retry-after"]);
          throw new FetchError(`HTTP ${status}`, "EHTTP", {
            httpStatus: status,
            ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
          });
        }
        const body = await readBody(res, options.maxBytes);
        return {
          status: "ok",
          url: url.toString(),
          hints: responseHints(res.headers),
          ...moved(hop),
          body,
          contentType: res.headers["content-type"],
          etag: header(res.headers.etag),
          lastModified: header(res.headers["last-modified"]),
        };
      }
    } catch (error) {
      throw toFetchError(controller.signal.aborted ? controller.signal.reason : error);
    } finally {
      clearTimeout(timer);
    }
  }

  function get(
    url: URL,
    validators: Validators,
    pool: { http: http.Agent; https: https.Agent },
    signal: AbortSignal,
  ): Promise<http.IncomingMessage> {
    const headers: Record<string, string> = {
      "user-agent": options.userAgent ?? USER_AGENT,
      accept:
        "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
      "accept-encoding": "gzip, deflate, br",
    };
    if (validators.etag) headers["if-none-match"] = validators.etag;
    if (validators.lastModified) headers["if-modified-since"] = validators.lastModified;
    const isHttps = url.protocol === "https:";
    return new Promise((resolve, reject) => {
      const req = (isHttps ? https : http).get(url, {
        headers,
        agent: isHttps ? pool.https : pool.http,
        signal,
      });
      req.once("response", resolve);
      req.once("error", reject);
      req.once("socket", (socket: net.Socket) => {
        if (!socket.connecting) return;
        const connectTimer = setTimeout(
          () =>
            req.destroy(new FetchError(`connect timed out after ${options.connectTimeoutMs} ms`, "ETIMEOUT")),
          options.connectTimeoutMs,
        );
        socket.once("connect", () => clearTimeout(connectTimer));
        socket.once("close", () => clearTimeout(connectTimer));
      });
    });
  }

  return {
    fetch: fetchFeed,
    close() {
      for (const pool of Object.values(agents)) {
        pool.http.destroy();
        pool.https.destroy();
      }
    },
  };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseHttpUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FetchError(`not a valid URL: ${raw}`, "EURL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new FetchError(`only http and https URLs are fetched, not ${url.protocol}`, "EURL");
  }
  if (url.username || url.password) url.username = url.password = "";
  return url;
}

/** A URL that names an IP directly never goes through DNS, so the lookup guard cannot see it. */
function assertPublicLiteral(url: URL, isBlocked: (ip: string) => boolean): void {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (net.isIP(host) && isBlocked(host)) throw new BlockedAddressError(host, host);
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function readBody(res: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(res.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.destroy();
    return Promise.reject(
      new FetchError(`body of ${declared} bytes exceeds the ${maxBytes} byte limit`, "ETOOBIG"),
    );
  }
  let stream: Readable = res;
  const encoding = String(res.headers["content-encoding"] ?? "")
    .trim()
    .toLowerCase();
  if (encoding === "gzip" || encoding === "x-gzip") stream = res.pipe(zlib.createGunzip());
  else if (encoding === "deflate") stream = res.pipe(zlib.createInflate());
  else if (encoding === "br") stream = res.pipe(zlib.createBrotliDecompress());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      reject(error); // before destroy(): destroying emits "aborted", which must not win
      res.destroy();
      stream.destroy();
    };
    stream.on("data", (chunk: Buffer) => {
      size += chunk.length;
      // Counting decompressed bytes also stops a gzip bomb.
      if (settled) return;
      if (size > maxBytes) fail(new FetchError(`body exceeds the ${maxBytes} byte limit`, "ETOOBIG"));
      else chunks.push(chunk);
    });
    stream.once("end", () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, size));
    });
    stream.once("error", (e) => fail(e));
    res.once("error", (e) => fail(e));
    res.once("aborted", () => fail(new FetchError("connection closed mid-body", "ECONNRESET")));
  });
}

async function readFileFeed(path: string, validators: Validators, maxBytes: number): Promise<FetchResult> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch (error) {
    throw new FetchError(`cannot open ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`, "EFILE");
  }
  try {
    const stat = await handle.stat();
    const lastModified = `${stat.mtime.toUTCString()}; size=${stat.size}`;
    if (validators.lastModified === lastModified) return { status: "not-modified", url: path };
    if (stat.size > maxBytes) throw new FetchError(`file exceeds the ${maxBytes} byte limit`, "ETOOBIG");
    const body = await handle.readFile();
    return { status: "ok", url: path, body, lastModified };
  } finally {
    await handle.close();
  }
}

function toFetchError(error: unknown): FetchError {
  if (error instanceof FetchError) return error;
  if (error instanceof BlockedAddressError) return new FetchError(error.message, error.code);
  const e = error as NodeJS.ErrnoException;
  if (e?.cause instanceof BlockedAddressError) return new FetchError(e.cause.message, "EBLOCKED");
  return new FetchError(e?.message || String(error), e?.code ?? "EFETCH");
}
