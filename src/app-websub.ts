import type { Config } from "./config.js";
import type { FeedSource } from "./domain/types.js";
import { createHubClient } from "./feeds/hub-client.js";
import type { Poller } from "./feeds/poller.js";
import { createWebSub } from "./feeds/websub.js";
import { websubRoute } from "./http/websub-route.js";
import type { Logger } from "./log.js";
import type { Metrics } from "./metrics.js";
import type { Repos } from "./store/repos.js";

/**
 * WebSub push, when the bot has a public address (WEBSUB_URL or WEBHOOK_URL): the subscriber,
 * its callbacks on HTTP_PORT, and a push read as a fetch of its feed. Any instance answers a
 * hub (the store holds the subscriptions); only the leader subscribes and renews.
 */
export function createWebSubPart(deps: {
  config: Config;
  repos: Repos;
  log: Logger;
  metrics: Metrics;
  /** The poller, once it exists (it takes the pushed set from here). */
  poller: () => Poller;
  now?: (() => number) | undefined;
}) {
  const { config, repos, log } = deps;
  if (!config.websubBase) return undefined;
  const hub = createHubClient({ allowPrivate: config.ALLOW_PRIVATE_FEEDS });
  const websub = createWebSub({
    repo: repos.websub,
    log,
    callbackBase: config.websubBase,
    postHub: (url, form, trusted) => hub.post(url, form, trusted),
    leaseSeconds: Math.round(config.WEBSUB_LEASE / 1000),
    ...(deps.now ? { now: deps.now } : {}),
    async onPush(name, body, contentType) {
      const feed = (await repos.feeds.all()).find((f) => f.name === name);
      if (!feed) return;
      const outcome = await deps.poller().ingest(feed, body, contentType);
      // A push is a read: its new stories count like a poll's.
      if ("fresh" in outcome) deps.metrics.newItems(outcome.fresh);
      log.info({ component: "websub", feed: name, status: outcome.status }, "pushed update read");
    },
  });
  const route = websubRoute(websub, {
    log,
    maxBytes: config.FETCH_MAX_BYTES,
    counted: (result) => deps.metrics.websubPush(result),
  });
  return {
    pushed: () => websub.pushed(),
    noteHints: websub.noteHints,
    /** After each cycle on the leader. */
    sync: (feeds: FeedSource[]) => websub.sync(feeds, (f) => repos.feeds.isTrusted(f)),
    route: (path: string) => (route.matches(path) ? route.handler : undefined),
    close: () => hub.close(),
  };
}
