import {
  EVERY_MAX_MS,
  EVERY_MIN_MS,
  type FeedErrorReason,
  FeedNameTaken,
  parseFeedList,
} from "../domain/feeds.js";
import { parseDuration } from "../domain/time.js";
import type { ArticleMode, FeedSource } from "../domain/types.js";
import type { FeedRegistry } from "../store/repos.js";
import { fold } from "../text/fold.js";
import type { Fetcher } from "./fetch.js";
import type { OpmlEntry } from "./opml.js";
import { readErrorReason, readFeed } from "./read.js";

/** What an import may take: a bigger file is refused before it is read. */
export const OPML_MAX_BYTES = 1024 * 1024;
/** Feeds in one file at most: each one is read once before the preview. */
export const OPML_MAX_FEEDS = 300;
/**
 * Feeds read at once, and how long each may take. Reading each new feed once is what tells a
 * feed from a web page or a dead address before it fails every cycle; 8 at a time with 6 s
 * each keeps a 300-feed file under four minutes at worst (usually seconds: most answer or fail
 * fast), without hammering one site that holds many of them.
 */
export const PROBE_CONCURRENCY = 8;
export const PROBE_TIMEOUT_MS = 6000;

/** A feed the import would add (and, confirmed, adds). */
export interface PlannedFeed {
  name: string;
  url: string;
  /** The outline's title, else the feed's own. */
  title?: string | undefined;
  label?: string | undefined;
  article?: ArticleMode | undefined;
  /** A bantin export's fixed read interval (`every=`), ms. */
  everyMs?: number | undefined;
}

export type UnreadableReason = "no-url" | "bad-url" | "not-http" | Exclude<FeedErrorReason, "blocked">;

export interface ImportPlan {
  fresh: PlannedFeed[];
  /** Already a feed: the same address, or the same name (`existing` is that feed; "file": twice in the file). */
  present: Array<{
    title?: string | undefined;
    url?: string | undefined;
    existing: string;
    by: "url" | "name" | "file";
  }>;
  /** The host resolves to an internal address (the SSRF guard of feeds added through the bot). */
  refused: Array<{ title?: string | undefined; url: string }>;
  unreadable: Array<{
    title?: string | undefined;
    url?: string | undefined;
    reason: UnreadableReason;
    httpStatus?: number | undefined;
  }>;
}

export type ProbeResult =
  | { ok: true; title?: string | undefined }
  | { ok: false; reason: FeedErrorReason; httpStatus?: number | undefined; message: string };
export type Probe = (url: string) => Promise<ProbeResult>;

/** Reads a feed once as the poller will read an added one: untrusted, through the SSRF guard (unless ALLOW_PRIVATE_FEEDS). */
export function createProbe(fetcher: Fetcher, opts: { offsetMin: number; timeoutMs?: number }): Probe {
  return async (url) => {
    try {
      const target = {
        url,
        kind: "http" as const,
        trusted: false,
        timeoutMs: opts.timeoutMs ?? PROBE_TIMEOUT_MS,
      };
      const res = await readFeed(fetcher, "opml-import", target, {}, { offsetMin: opts.offsetMin });
      return { ok: true, title: res.status === "ok" ? res.title : undefined };
    } catch (error) {
      const httpStatus = (error as { extra?: { httpStatus?: number } })?.extra?.httpStatus;
      return {
        ok: false,
        reason: readErrorReason(error),
        httpStatus,
        message: (error as Error)?.message ?? String(error),
      };
    }
  };
}

/** Two feed URLs that name one document: scheme and host in any case, no fragment, one trailing slash. */
export function urlKey(raw: string): string {
  try {
    const u = new URL(raw);
    u.hash = "";
    return u.href.replace(/\/$/, "");
  } catch {
    return raw.trim();
  }
}

const NAME = /^[\p{L}\p{N}_-]{1,40}$/u;
const ARTICLE: Record<string, ArticleMode> = { auto: "auto", always: "always", never: "never" };

/** A name as parseFeedList derives it (host, then the last path segment), made a valid command word. */
export function deriveFeedName(url: string): string {
  let derived: string | undefined;
  try {
    // parseFeedList reads commas and spaces as separators: neither changes the derived name.
    derived = parseFeedList(url.replace(/[,\s]/g, "%2C"))[0]?.name;
  } catch {
    derived = undefined;
  }
  const name = (derived ?? "feed")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_-]+/gu, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 36);
  return name || "feed";
}

/** `base`, else `base-2`, `base-3` …: the first whose folded form is not taken (and takes it). */
function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let k = 2; taken.has(fold(name)); k++) name = `${base.slice(0, 36)}-${k}`;
  taken.add(fold(name));
  return name;
}

/** The feed's address as bantin reads it, or why it has none. */
function feedUrl(raw: string | undefined): { url: string } | { reason: "no-url" | "bad-url" | "not-http" } {
  if (!raw) return { reason: "no-url" };
  // feed://host/path and feed:https://… (old readers' exports) mean the http(s) address.
  const text = raw.replace(/^feed:\/\//i, "http://").replace(/^feed:(?=https?:)/i, "");
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return { reason: "bad-url" };
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return { reason: "not-http" };
  return { url: u.href };
}

/** Runs `fn` over `list`, `limit` at a time, results in order. */
async function pool<T, R>(list: T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(list.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < list.length; i = next++) out[i] = await fn(list[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, list.length) }, worker));
  return out;
}

/**
 * Sorts a file's outlines into new, already present (the same address; or the same name: a
 * bantin export's `bantin:name`, or a title equal to a feed's name or label), refused by the SSRF
 * guard, and unreadable (no usable address, or not readable as a feed when read once). New feeds
 * get a name derived from the URL like FEEDS entries do (or the export's), unique as typed.
 */
export async function planImport(
  entries: OpmlEntry[],
  deps: {
    existing: FeedSource[];
    /** Names that stay reserved even when their feed is not listed (the operator's FEEDS, removed ones too). */
    reserved?: string[];
    probe: Probe;
    concurrency?: number;
  },
): Promise<ImportPlan> {
  const plan: ImportPlan = { fresh: [], present: [], refused: [], unreadable: [] };
  const byUrl = new Map(deps.existing.map((f) => [urlKey(f.url), f.name]));
  const byName = new Map<string, string>();
  for (const f of deps.existing) {
    byName.set(fold(f.name), f.name);
    if (f.label) byName.set(fold(f.label), f.name);
  }
  const candidates: Array<{ entry: OpmlEntry; url: string }> = [];
  for (const entry of entries) {
    const { title } = entry;
    const checked = feedUrl(entry.xmlUrl);
    if ("reason" in checked) {
      plan.unreadable.push({ title, url: entry.xmlUrl ?? entry.htmlUrl, reason: checked.reason });
      continue;
    }
    const { url } = checked;
    const sameUrl = byUrl.get(urlKey(url));
    const named = [entry.name, title].map((n) => (n ? byName.get(fold(n)) : undefined)).find(Boolean);
    const twin = candidates.find((c) => urlKey(c.url) === urlKey(url));
    if (sameUrl || named || twin) {
      const existing = sameUrl ?? named ?? twin?.entry.title ?? url;
      plan.present.push({ title, url, existing, by: sameUrl ? "url" : named ? "name" : "file" });
      continue;
    }
    candidates.push({ entry, url });
  }
  const probed = await pool(candidates, deps.concurrency ?? PROBE_CONCURRENCY, (c) => deps.probe(c.url));
  const taken = new Set([...deps.existing.map((f) => fold(f.name)), ...(deps.reserved ?? []).map(fold)]);
  candidates.forEach(({ entry, url }, i) => {
    const result = probed[i] as ProbeResult;
    if (!result.ok) {
      if (result.reason === "blocked") plan.refused.push({ title: entry.title, url });
      else
        plan.unreadable.push({
          title: entry.title,
          url,
          reason: result.reason,
          httpStatus: result.httpStatus,
        });
      return;
    }
    const own = entry.name && NAME.test(entry.name) ? entry.name.toLowerCase() : undefined;
    const article = entry.article ? ARTICLE[entry.article.toLowerCase()] : undefined;
    const every = entry.every ? parseDuration(entry.every) : undefined;
    const everyMs = every !== undefined && every >= EVERY_MIN_MS && every <= EVERY_MAX_MS ? every : undefined;
    plan.fresh.push({
      name: uniqueName(own ?? deriveFeedName(url), taken),
      url,
      title: entry.title ?? result.title,
      ...(entry.label ? { label: entry.label.slice(0, 80) } : {}),
      ...(article ? { article } : {}),
      ...(everyMs ? { everyMs } : {}),
    });
  });
  return plan;
}

/** What a confirmed import did: added (with the names they got), and those that became present meanwhile. */
export interface ImportResult {
  added: PlannedFeed[];
  present: Array<{ feed: PlannedFeed; existing: string }>;
}

/**
 * Adds the planned feeds. The list is read again first: a feed another admin added since the
 * preview is present, and a name taken since then (here, or by the database's key on folded
 * names when two imports race) moves to the next free `-2`, `-3` ….
 */
export function applyImport(
  feeds: FeedRegistry,
  planned: PlannedFeed[],
  opts: { by?: number | undefined; reserved?: string[] } = {},
): Promise<ImportResult> {
  return addAll(feeds, planned, opts);
}

async function addAll(
  feeds: FeedRegistry,
  planned: PlannedFeed[],
  opts: { by?: number | undefined; reserved?: string[] },
): Promise<ImportResult> {
  const current = await feeds.all();
  const byUrl = new Map(current.map((f) => [urlKey(f.url), f.name]));
  const taken = new Set([...current.map((f) => fold(f.name)), ...(opts.reserved ?? []).map(fold)]);
  const result: ImportResult = { added: [], present: [] };
  for (const feed of planned) {
    const existing = byUrl.get(urlKey(feed.url));
    if (existing) {
      result.present.push({ feed, existing });
      continue;
    }
    let name = uniqueName(feed.name, taken);
    for (let attempt = 0; ; attempt++) {
      try {
        const source: FeedSource = { name, url: feed.url, kind: "http" };
        if (feed.label) source.label = feed.label;
        if (feed.article) source.article = feed.article;
        if (feed.everyMs) source.everyMs = feed.everyMs;
        // Only as a new feed: a name taken meanwhile (another import, the CLI, /addfeed) is
        // refused by the database, never overwritten, and the next free name is tried.
        await feeds.add(source, opts.by, { onlyNew: true });
        break;
      } catch (error) {
        if (!(error instanceof FeedNameTaken) || attempt >= 5) throw error;
        taken.add(fold(error.feed));
        name = uniqueName(feed.name, taken);
      }
    }
    byUrl.set(urlKey(feed.url), name);
    result.added.push({ ...feed, name });
  }
  return result;
}
