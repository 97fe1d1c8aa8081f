import { randomBytes } from "node:crypto";
import type { FeedSource } from "../domain/types.js";
import type { Logger } from "../log.js";
import type { WebSubRepo, WebSubSubscription } from "../store/websub.js";
import type { HubAnswer } from "./hub-client.js";
import type { ReadHints } from "./read.js";
import { signatureMatches } from "./websub-signature.js";

/**
 * A WebSub subscriber (W3C Recommendation, 2018): feeds that name a hub are subscribed there
 * with a callback under the bot's public URL and a secret; the hub verifies the intent (a GET
 * with a challenge), then POSTs each update, signed with the secret (X-Hub-Signature), which
 * is read as a fetch of that feed. Leases are renewed before they end; a removed feed is
 * unsubscribed. Polling goes on at POLL_MAX as the safety net.
 */

const MIN = 60_000;
/** A request the hub never verified is asked again after this. */
const VERIFY_WAIT_MS = 10 * MIN;
/** A hub that refused is asked again after this (it may be back). */
const FAILED_RETRY_MS = 6 * 60 * MIN;
/** An unsubscription the hub never verified is forgotten after this. */
const UNSUBSCRIBE_WAIT_MS = 24 * 60 * MIN;
/** Hub requests of one round at once. */
const HUB_CONCURRENCY = 8;

export interface WebSubDeps {
  repo: WebSubRepo;
  log: Logger;
  /** Public base of the callback URLs (WEBSUB_URL, or WEBHOOK_URL's origin). */
  callbackBase: string;
  /** Sends a form to a hub (hub-client.ts). */
  postHub: (hub: string, form: Record<string, string>, trusted: boolean) => Promise<HubAnswer>;
  /** A verified delivery of a feed's update, read like a fetch of that feed. */
  onPush: (feed: string, body: Buffer, contentType: string | undefined) => Promise<void>;
  /** hub.lease_seconds asked for (the hub decides). */
  leaseSeconds: number;
  now?: () => number;
}

export interface HttpAnswer {
  status: number;
  body?: string;
}

function hostname(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

export function callbackPath(callbackId: string): string {
  return `/websub/${callbackId}`;
}

export function createWebSub(deps: WebSubDeps) {
  const log = deps.log.child({ component: "websub" });
  const now = deps.now ?? Date.now;
  /** What the feeds named at their last read on this instance: hubs and topic. */
  const discovered = new Map<string, ReadHints>();
  // Under the base's own path too (a proxy may serve the bot under /bantin).
  const callbackUrl = (id: string) => `${deps.callbackBase.replace(/\/+$/, "")}${callbackPath(id)}`;

  async function ask(sub: WebSubSubscription, mode: "subscribe" | "unsubscribe"): Promise<void> {
    const form: Record<string, string> = {
      "hub.mode": mode,
      "hub.topic": sub.topic,
      "hub.callback": callbackUrl(sub.callbackId),
    };
    if (mode === "subscribe") {
      form["hub.secret"] = sub.secret;
      form["hub.lease_seconds"] = String(deps.leaseSeconds);
    }
    const slog = log.child({ feed: sub.feed, hub: sub.hub });
    try {
      const answer = await deps.postHub(sub.hub, form, sub.trusted);
      if (answer.status >= 200 && answer.status < 300) return void slog.info({ mode }, "asked the hub");
      slog.warn({ mode, status: answer.status, answer: answer.body.slice(0, 300) }, "the hub refused");
      if (mode === "subscribe") await failed(sub, `HTTP ${answer.status}`, answer.status);
    } catch (err) {
      slog.warn({ err, mode }, "could not reach the hub");
      if (mode === "subscribe") await failed(sub, (err as Error).message);
    }
  }

  /**
   * A subscribe request that did not go through. A renewal of a lease still running stays
   * active (the hub still pushes; asked again at the next round of `due`) unless the hub said
   * no for good (4xx); anything else is failed, tried again after FAILED_RETRY_MS.
   */
  async function failed(sub: WebSubSubscription, error: string, status?: number): Promise<void> {
    const definitive = status !== undefined && status >= 400 && status < 500 && status !== 429;
    if (sub.state === "active" && (sub.leaseUntil ?? 0) > now() && !definitive) return;
    await deps.repo.fail(sub.callbackId, error);
  }

  /** Runs the hub requests of one round a few at a time: one slow hub must not hold the rest. */
  async function inTurns(tasks: Array<() => Promise<void>>): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < tasks.length) await (tasks[next++] as () => Promise<void>)();
    };
    await Promise.all(Array.from({ length: Math.min(HUB_CONCURRENCY, tasks.length) }, worker));
  }

  /**
   * A hub is trusted like its feed only on the feed's own host (the operator's local hub);
   * any other address a feed names goes through the SSRF guard, like its article pages.
   */
  const hubTrusted = (feed: FeedSource, hub: string, feedTrusted: boolean) =>
    feedTrusted && hostname(hub) !== undefined && hostname(hub) === hostname(feed.url);

  const fresh = (feed: FeedSource, hub: string, topic: string, trusted: boolean): WebSubSubscription => ({
    feed: feed.name,
    hub,
    topic,
    trusted,
    callbackId: randomBytes(18).toString("base64url"),
    // Under 200 bytes, as the recommendation requires.
    secret: randomBytes(32).toString("base64url"),
    state: "subscribing",
    requestedAt: now(),
  });

  /** What to do with a feed's row this round, if anything. */
  function due(row: WebSubSubscription, hub: string | undefined, topic: string, at: number) {
    if (hub && (row.hub !== hub || row.topic !== topic)) return "moved";
    switch (row.state) {
      case "unsubscribing":
        // The feed is listed again (removed, then added back): subscribe it anew.
        return "moved";
      case "subscribing":
        return at - row.requestedAt > VERIFY_WAIT_MS ? "again" : undefined;
      case "failed":
        return hub && at - row.requestedAt > FAILED_RETRY_MS ? "moved" : undefined;
      case "active": {
        // Renewal in the last tenth of the lease (at least a minute), asked again halfway through it.
        const until = row.leaseUntil ?? 0;
        const margin = Math.max(MIN, 0.1 * (until - (row.verifiedAt ?? row.requestedAt)));
        const from = until - margin;
        if (at < from) return undefined;
        return row.requestedAt < from || at - row.requestedAt > margin / 2 ? "again" : undefined;
      }
      default:
        return undefined;
    }
  }

  return {
    /** After each good read: what the feed names (see poller onHints). */
    noteHints(feed: FeedSource, hints: ReadHints): void {
      discovered.set(feed.name, hints);
    },

    /**
     * On the leader after a poll cycle: subscribes feeds that name a hub, renews leases that
     * end soon, asks again where a hub never verified, unsubscribes feeds that are gone.
     */
    async sync(feeds: FeedSource[], isTrusted: (feed: FeedSource) => boolean): Promise<void> {
      const at = now();
      const rows = new Map((await deps.repo.all()).map((r) => [r.feed, r]));
      const names = new Set(feeds.map((f) => f.name));
      const tasks: Array<() => Promise<void>> = [];
      for (const row of rows.values()) {
        if (names.has(row.feed)) continue;
        tasks.push(async () => {
          if (row.state === "unsubscribing") {
            if (at - row.requestedAt > UNSUBSCRIBE_WAIT_MS) await deps.repo.remove(row.callbackId);
          } else if (row.state === "failed") await deps.repo.remove(row.callbackId);
          else if (await deps.repo.unsubscribing(row.callbackId, row.requestedAt, at))
            await ask(row, "unsubscribe");
        });
      }
      for (const feed of feeds) {
        const hints = discovered.get(feed.name);
        const hub = hints?.hubs[0];
        const topic = hints?.self ?? feed.url;
        const row = rows.get(feed.name);
        if (!row) {
          // §5.1: the secret goes only over HTTPS, or to a hub trusted like its feed (the
          // operator's own): a plain-http hub elsewhere is not used (the feed is polled).
          if (!hub || (!hub.startsWith("https:") && !hubTrusted(feed, hub, isTrusted(feed)))) continue;
          tasks.push(async () => {
            const sub = fresh(feed, hub, topic, hubTrusted(feed, hub, isTrusted(feed)));
            if (await deps.repo.request(sub, undefined)) await ask(sub, "subscribe");
          });
          continue;
        }
        const what = due(row, hub, topic, at);
        if (!what) continue;
        tasks.push(async () => {
          const target = hub ?? row.hub;
          if (what === "moved") {
            const sub = fresh(
              feed,
              target,
              hub ? topic : row.topic,
              hubTrusted(feed, target, isTrusted(feed)),
            );
            if (!(await deps.repo.request(sub, row.requestedAt))) return;
            // The old subscription's callback is gone: its hub gets 410 on its next push.
            if (row.state === "active" && row.hub !== target) await ask(row, "unsubscribe");
            await ask(sub, "subscribe");
          } else {
            const sub = {
              ...row,
              state: row.state === "active" ? row.state : ("subscribing" as const),
              requestedAt: at,
            };
            if (await deps.repo.request(sub, row.requestedAt)) await ask(sub, "subscribe");
          }
        });
      }
      await inTurns(tasks);
    },

    /** GET on a callback: the hub verifies a subscribe or unsubscribe we asked for (§5.3). */
    async verify(callbackId: string, query: URLSearchParams): Promise<HttpAnswer> {
      const row = await deps.repo.byCallback(callbackId);
      if (!row) return { status: 404 };
      const mode = query.get("hub.mode");
      if (query.get("hub.topic") !== row.topic) return { status: 404 };
      if (mode === "denied") {
        log.warn(
          { feed: row.feed, hub: row.hub, reason: query.get("hub.reason") },
          "the hub denied the subscription",
        );
        await deps.repo.fail(callbackId, `denied: ${query.get("hub.reason") ?? ""}`);
        return { status: 200, body: "" };
      }
      const challenge = query.get("hub.challenge");
      if (!challenge) return { status: 404 };
      // Only while a request of ours waits for it: asked after the last verification.
      const asked = row.requestedAt > (row.verifiedAt ?? 0);
      if (mode === "subscribe" && asked && (row.state === "subscribing" || row.state === "active")) {
        const seconds = Number(query.get("hub.lease_seconds"));
        const lease = Number.isFinite(seconds) && seconds > 0 ? seconds : deps.leaseSeconds;
        const at = now();
        if (!(await deps.repo.activate(callbackId, at + lease * 1000, at))) return { status: 404 };
        log.info(
          { feed: row.feed, hub: row.hub, leaseSeconds: lease },
          "subscribed: the hub pushes this feed",
        );
        return { status: 200, body: challenge };
      }
      if (mode === "unsubscribe" && row.state === "unsubscribing") {
        await deps.repo.remove(callbackId);
        log.info({ feed: row.feed, hub: row.hub }, "unsubscribed");
        return { status: 200, body: challenge };
      }
      // Not something we asked for (someone else trying to (un)subscribe us): refused.
      return { status: 404 };
    },

    /**
     * POST on a callback: a delivery. Read only with a good signature (sha1, sha256, sha384 or
     * sha512 HMAC of the body with our secret); a bad one is ignored but acknowledged, as §7.1
     * allows (no oracle for guessing). Handed on after the answer, so the hub never waits.
     */
    async deliver(
      callbackId: string,
      signature: string | undefined,
      body: Buffer,
      contentType: string | undefined,
    ): Promise<HttpAnswer & { accepted: boolean; read?: () => Promise<void> }> {
      const row = await deps.repo.byCallback(callbackId);
      // 410 Gone: the hub may drop a subscription we no longer have.
      if (!row) return { status: 410, accepted: false };
      const good = signatureMatches(row.secret, signature, body);
      if (!good || row.state !== "active") {
        log.warn(
          { feed: row.feed, signed: !!signature, state: row.state },
          good
            ? "a push for a subscription that is not active: ignored"
            : "a push with a bad signature: ignored",
        );
        return { status: 202, accepted: false };
      }
      return { status: 202, accepted: true, read: () => deps.onPush(row.feed, body, contentType) };
    },

    /** A callback of ours (deliveries to any other are answered 410 before their body is read). */
    known: async (callbackId: string) => (await deps.repo.byCallback(callbackId)) !== undefined,

    /** Feeds the hub pushes now: polled at POLL_MAX only. */
    pushed: () => deps.repo.pushed(now()),
  };
}

export type WebSub = ReturnType<typeof createWebSub>;
