import type { FeedErrorReason } from "../domain/feeds.js";
import { decodeFeed } from "./decode.js";
import type { Fetcher, FetchTarget, Validators } from "./fetch.js";
import { linkHeaderHints, readFeedHead } from "./hints.js";
import { type Entry, identifyItem, type Rejection } from "./normalize.js";
import { FeedParseError, parseFeed } from "./parse.js";
import type { FreshnessHints } from "./schedule.js";

/** What one read says about the next: freshness (schedule.ts) and the WebSub hub (websub). */
export interface ReadHints extends FreshnessHints {
  hubs: string[];
  /** Reached through permanent redirects only: the feed's new address. */
  movedTo?: string | undefined;
  /** The topic URL the feed names for itself. */
  self?: string | undefined;
}

export type ReadResult =
  | { status: "not-modified"; hints: ReadHints }
  | {
      status: "ok";
      hints: ReadHints;
      title?: string | undefined;
      /** Identified entries; `complete()` the ones that are needed in full. */
      entries: Entry[];
      /** Entries in the document, including those skipped as read before. */
      total: number;
      /** Entries of this read that are no item, by reason (placeholders, no title nor link). */
      rejected: Partial<Record<Rejection, number>>;
      /** Digests of every entry of the document, to skip them next time (see chunks.ts). */
      digests?: string[] | undefined;
      validators: Validators;
      charset: string;
      fixes: string[];
    };

/**
 * fetch → decode → repair + parse → identify, for one feed. Entries whose digest is in `skip`
 * (read and settled before) are not parsed again. Throws FetchError or FeedParseError.
 */
export interface ReadOptions {
  /** Minutes east of UTC for dates written without a zone. */
  offsetMin: number;
  /** Digests of entries read and settled before: not parsed again. */
  skip?: ReadonlySet<string> | undefined;
  /** The feed's configured display name. */
  label?: string | undefined;
}

export async function readFeed(
  fetcher: Fetcher,
  name: string,
  target: FetchTarget,
  validators: Validators,
  { offsetMin, skip, label }: ReadOptions,
): Promise<ReadResult> {
  const res = await fetcher.fetch(target, validators);
  const links = linkHeaderHints(res.hints?.link);
  // Relative references (`</hub>; rel="hub"`, `href="/feed"`) resolved against where the answer came from.
  const absolute = (u: string | undefined) => {
    if (!u) return undefined;
    try {
      const url = new URL(u, res.url);
      return url.protocol === "http:" || url.protocol === "https:" ? url.toString() : undefined;
    } catch {
      return undefined;
    }
  };
  const hubsOf = (list: string[]) => list.map(absolute).filter((u): u is string => u !== undefined);
  const link = { hubs: hubsOf(links.hubs), self: absolute(links.self) };
  const fromHeaders = {
    maxAgeMs: res.hints?.maxAgeMs,
    expiresInMs: res.hints?.expiresInMs,
    movedTo: res.movedTo,
  };
  if (res.status === "not-modified") return { status: "not-modified", hints: { ...fromHeaders, ...link } };
  const { text, charset } = decodeFeed(res.body, res.contentType);
  const parsed = await parseFeed(text, { skip });
  // WebSub: the Link header's hub and self come first (the recommendation's order).
  const head = readFeedHead(text);
  const hints: ReadHints = {
    ...fromHeaders,
    ttlMs: head.ttlMs,
    hubs: [...new Set([...link.hubs, ...hubsOf(head.hubs)])],
    self: link.self ?? absolute(head.self),
  };
  const seen = new Set<string>();
  const entries: Entry[] = [];
  // Entries that are no item (no title nor link, say) are not remembered as read: the same
  // raw entry may become one when the feed's own elements change (a channel link added).
  const rejected = new Set<string>();
  const reasons: Partial<Record<Rejection, number>> = {};
  const onReject = (reason: Rejection) => {
    reasons[reason] = (reasons[reason] ?? 0) + 1;
  };
  parsed.items.forEach((raw, k) => {
    const entry = identifyItem(raw, name, parsed, { offsetMin, label, onReject });
    if (!entry) {
      const d = parsed.itemDigests?.[k];
      if (d) rejected.add(d);
    } else if (!seen.has(entry.head.id)) {
      // The same entry twice in one document is one item.
      seen.add(entry.head.id);
      entries.push(entry);
    }
  });
  const digests = rejected.size ? parsed.digests?.filter((d) => !rejected.has(d)) : parsed.digests;
  return {
    status: "ok",
    hints,
    title: parsed.title,
    entries,
    total: parsed.total,
    rejected: reasons,
    digests,
    validators: { etag: res.etag, lastModified: res.lastModified },
    charset,
    fixes: parsed.fixes,
  };
}

/** What a read error means, for people (FeedUnreadable's reason). */
export function readErrorReason(error: unknown): FeedErrorReason {
  if (error instanceof FeedParseError) return "not-feed";
  const code = (error as { code?: unknown })?.code;
  switch (typeof code === "string" ? code : "") {
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "dns";
    case "ECONNREFUSED":
      return "refused";
    case "ETIMEOUT":
    case "ETIMEDOUT":
      return "timeout";
    case "EHTTP":
      return "http";
    case "EBLOCKED":
      return "blocked";
    case "ETOOBIG":
      return "too-big";
    case "EREDIRECT":
      return "redirect";
    case "EURL":
    case "EFILE":
      return "url";
    default:
      return /CERT|SSL|TLS/i.test(String(code ?? "")) ? "tls" : "other";
  }
}
