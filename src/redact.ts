/**
 * What never reaches a log line or stderr: Telegram bot tokens, URL passwords, `password=`
 * pairs, known secret values and the values of sensitive keys, at any depth of a value.
 * The logger (./log.ts) runs every line through it.
 */

/** What a scrubbed value is replaced with. */
const REDACTED = "[redacted]";

/** Containers nested deeper than this are logged as "[Truncated]"; strings at any depth are scrubbed. */
const MAX_DEPTH = 10;
const MIN_SECRET_LENGTH = 4;

/**
 * The password of a URL such as `postgres://user:p%40ss@host/db` or `redis://:pw@host`,
 * as written, percent-decoded and re-encoded (plus a `password=` query parameter), for
 * `createLogger`'s `secrets`. Empty when the URL has no password.
 */
export function secretsFromUrl(url: string): string[] {
  const found = new Set<string>();
  const add = (raw: string | null | undefined) => {
    if (!raw) return;
    found.add(raw);
    let decoded = raw;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      // a lone % sign: keep the raw form only
    }
    found.add(decoded);
    found.add(encodeURIComponent(decoded));
  };
  // As written (URL parsing may re-encode some characters).
  add(/^[a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*:([^\s/?#]*)@/i.exec(url)?.[1]);
  try {
    const parsed = new URL(url);
    add(parsed.password);
    for (const key of ["password", "pass", "pwd"]) add(parsed.searchParams.get(key));
  } catch {
    // not a WHATWG URL: the pattern above is all there is
  }
  found.delete("");
  return [...found];
}

/**
 * The logger's string scrubbing (tokens, URL credentials, `password=` pairs, `secrets`) for
 * text written outside it, e.g. `process.stderr.write(\`store ${redactText(url)}\`)`.
 */
export function redactText(text: string, secrets: ReadonlyArray<string | null | undefined> = []): string {
  return createScrubber(secrets).string(text);
}

// --- scrubbing -------------------------------------------------------------------------

const TOKEN_RE = /\d{5,}:[\w-]{30,}/g;
// scheme://user:password@ → the password may hold "@" and ":" (greedy up to the last "@"
// of the authority) but never whitespace, "/", "?", "#", quotes or a backslash, so the
// pattern cannot run out of a JSON string.
const URL_CREDENTIALS_RE = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:"'\\<>]*):[^\s/?#"'\\<>]*@/gi;
// password=…, api_key=…, secret_token=… in query strings and key=value DSNs.
const PAIR_RE =
  /\b([\w-]*(?:password|passwd|pwd|secret|token|api[_-]?key))=(?!\[redacted\])[^\s&;,"'\\<>]+/gi;
const SENSITIVE_KEY_RE = /(?:password|passwd|pwd|secret|token|apikey|authorization|cookie|credential)s?$/;

const sensitiveKeys = new Map<string, boolean>();
/** password, DB_PASSWORD, apiKey, api_key, x-api-key, Authorization, Set-Cookie, BOT_TOKEN… */
function isSensitiveKey(key: string): boolean {
  let hit = sensitiveKeys.get(key);
  if (hit === undefined) {
    const normalized = key.toLowerCase().replace(/[^a-z0-9]/g, "");
    hit = normalized === "auth" || SENSITIVE_KEY_RE.test(normalized);
    if (sensitiveKeys.size < 1000) sensitiveKeys.set(key, hit);
  }
  return hit;
}

export function isError(value: unknown): value is Error {
  return (
    value instanceof Error ||
    (typeof value === "object" &&
      value !== null &&
      Object.prototype.toString.call(value) === "[object Error]")
  );
}

function isErrorLike(value: unknown): value is { message: string; stack?: unknown; cause?: unknown } {
  return typeof value === "object" && value !== null && typeof (value as Error).message === "string";
}

function causeOf(err: unknown): { message: string; stack?: unknown; cause?: unknown } | undefined {
  const cause = (err as { cause?: unknown }).cause;
  return isErrorLike(cause) ? cause : undefined;
}

/** pino's `message: cause message: …` and `stack \ncaused by: …`, bounded and cycle-safe. */
function withCauses(err: { message: string; stack?: unknown }, part: "message" | "stack"): string {
  const seen = new Set<unknown>();
  let text = "";
  let current: { message: string; stack?: unknown; cause?: unknown } | undefined = err;
  for (let i = 0; current && i < MAX_DEPTH; i++) {
    if (seen.has(current))
      return `${text}${part === "message" ? ": ..." : "\ncauses have become circular..."}`;
    seen.add(current);
    const own = part === "message" ? current.message : typeof current.stack === "string" ? current.stack : "";
    text = i === 0 ? own : `${text}${part === "message" ? ": " : "\ncaused by: "}${own}`;
    current = causeOf(current);
  }
  return text;
}

const IN_PROGRESS = Symbol("in progress");

export function createScrubber(secretList: ReadonlyArray<string | null | undefined>) {
  const secrets = [
    ...new Set(secretList.filter((s): s is string => typeof s === "string" && s.length >= MIN_SECRET_LENGTH)),
  ].sort((a, b) => b.length - a.length);
  // How the secrets look inside a JSON line.
  const jsonSecrets = [...new Set(secrets.map((s) => JSON.stringify(s).slice(1, -1)))];

  function patterns(s: string): string {
    let out = s;
    if (out.includes(":")) {
      out = out.replace(TOKEN_RE, REDACTED);
      if (out.includes("://")) out = out.replace(URL_CREDENTIALS_RE, `$1:${REDACTED}@`);
    }
    if (out.includes("=")) out = out.replace(PAIR_RE, `$1=${REDACTED}`);
    return out;
  }

  function string(s: string): string {
    let out = s;
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return patterns(out);
  }

  interface Walk {
    memo: Map<object, unknown>;
  }

  function walk(value: unknown, depth: number, ctx: Walk): unknown {
    if (typeof value === "string") return string(value);
    if (typeof value !== "object" || value === null) return value;
    const known = ctx.memo.get(value);
    if (known !== undefined) return known === IN_PROGRESS ? "[Circular]" : known;
    if (value instanceof Date || value instanceof Map || value instanceof Set) return value;
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
    if (value instanceof URL) return string(value.href);
    if (depth >= MAX_DEPTH) return "[Truncated]";
    ctx.memo.set(value, IN_PROGRESS);
    let result: unknown;
    try {
      result = isError(value)
        ? error(value, depth, ctx)
        : Array.isArray(value)
          ? array(value, depth, ctx)
          : typeof (value as { toJSON?: unknown }).toJSON === "function"
            ? walk((value as { toJSON(): unknown }).toJSON(), depth, ctx)
            : record(value as Record<string, unknown>, depth, ctx);
    } catch {
      result = "[Unserializable]";
    }
    ctx.memo.set(value, result);
    return result;
  }

  function array(list: unknown[], depth: number, ctx: Walk): unknown[] {
    let copy: unknown[] | undefined;
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      const clean = walk(item, depth + 1, ctx);
      if (clean !== item) copy ??= list.slice(0, i);
      copy?.push(clean);
    }
    return copy ?? list;
  }

  function redactValue(value: unknown): unknown {
    return value === undefined || value === null || value === "" ? value : REDACTED;
  }

  /** Copy-on-write: an object with nothing to scrub is returned as is. */
  function record(obj: Record<string, unknown>, depth: number, ctx: Walk): Record<string, unknown> {
    const keys = Object.keys(obj);
    let copy: Record<string, unknown> | undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const item = obj[key];
      const cleanKey = string(key);
      const clean = isSensitiveKey(key) ? redactValue(item) : walk(item, depth + 1, ctx);
      if (!copy && (clean !== item || cleanKey !== key)) {
        copy = {};
        for (let j = 0; j < i; j++) copy[keys[j] as string] = obj[keys[j] as string];
      }
      if (copy) copy[cleanKey] = clean;
    }
    return copy ?? obj;
  }

  /** pino's err shape: { type, message (with causes), stack (with causes), aggregateErrors?, …props }. */
  function error(err: Error, depth: number, ctx: Walk): Record<string, unknown> {
    const out: Record<string, unknown> = {
      type: typeof err.constructor === "function" ? err.constructor.name : err.name,
      message: string(withCauses(err, "message")),
      stack: string(withCauses(err, "stack")),
    };
    const errors = (err as { errors?: unknown }).errors;
    if (Array.isArray(errors)) out.aggregateErrors = errors.map((e) => walk(e, depth + 1, ctx));
    // Own and inherited enumerable properties, as pino's serializer does (pg's code/detail,
    // grammY's HttpError.error, GrammyError.description…).
    for (const key in err) {
      if (out[key] !== undefined || (key === "errors" && out.aggregateErrors)) continue;
      const item = (err as unknown as Record<string, unknown>)[key];
      if (key === "cause" && isErrorLike(item)) continue; // already in message and stack
      out[string(key)] = isSensitiveKey(key) ? redactValue(item) : walk(item, depth + 1, ctx);
    }
    // A non-Error cause given as `new Error(msg, { cause })` is not enumerable.
    const cause = err.cause;
    if (cause !== undefined && !isErrorLike(cause) && !("cause" in out))
      out.cause = walk(cause, depth + 1, ctx);
    return out;
  }

  return {
    string,

    value(value: unknown): unknown {
      return walk(value, 0, { memo: new Map() });
    },

    object(obj: Record<string, unknown>): Record<string, unknown> {
      for (const _ in obj) return walk(obj, 0, { memo: new Map() }) as Record<string, unknown>;
      return obj;
    },

    /** Log method arguments: [mergeObject?, message?, ...printfArgs]. */
    args(args: unknown[]): unknown[] {
      const out = args.slice();
      let i = 0;
      const first = out[0];
      if (typeof first === "object" && first !== null) {
        i = 1;
        // pino would take the message from the error itself, unscrubbed.
        if (out.length === 1) {
          const err = first instanceof Error ? first : (first as { err?: unknown; msg?: unknown }).err;
          if (isErrorLike(err) && (first instanceof Error || (first as { msg?: unknown }).msg === undefined))
            out.push(err.message);
        }
      }
      for (; i < out.length; i++) {
        const arg = out[i];
        if (typeof arg === "string") out[i] = string(arg);
        else if (typeof arg === "object" && arg !== null)
          out[i] = isError(arg) ? string(String(arg)) : walk(arg, 0, { memo: new Map() });
      }
      return out;
    },

    /** The finished JSON line. The patterns cannot leave a JSON string; secrets might, so re-encode. */
    line(line: string): string {
      const out = patterns(line);
      if (!jsonSecrets.some((s) => out.includes(s))) return out;
      try {
        return `${JSON.stringify(walk(JSON.parse(out), 0, { memo: new Map() }))}\n`;
      } catch {
        let crude = out;
        for (const s of jsonSecrets) crude = crude.split(s).join(REDACTED);
        return crude;
      }
    },
  };
}
