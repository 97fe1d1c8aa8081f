import type { Api } from "grammy";
import type { Config } from "./config.js";
import type { WorkerStats } from "./delivery/worker.js";
import { startOfDay } from "./domain/time.js";
import type { HealthNote } from "./feeds/health.js";
import type { Logger } from "./log.js";
import { redactText } from "./redact.js";
import type { Repos } from "./store/repos.js";
import type { createI18n } from "./telegram/bot.js";
import type { DeliveryStats } from "./telegram/context.js";
import { escapeHtml } from "./telegram/html.js";
import { formatDateTime } from "./telegram/render.js";

/**
 * What the bot tells its admins (ADMIN_IDS): notes about a feed's health, each in the admin's
 * language as a private message, and the figures of /stats (createApp's operator half).
 */
export function createOperatorParts(deps: {
  config: Config;
  repos: Repos;
  i18n: ReturnType<typeof createI18n>;
  log: Logger;
}) {
  const { config, repos, i18n, log } = deps;
  const when = (ms: number) => formatDateTime(new Date(ms).toISOString(), config.TIMEZONE) ?? "";
  return {
    async notifyAdmins(note: HealthNote, api: Api): Promise<void> {
      for (const admin of config.ADMIN_IDS) {
        const lang =
          (await repos.settings.userLanguage(admin).catch(() => undefined)) ?? config.DEFAULT_LANGUAGE;
        const args: Record<string, string | number> = {
          feed: escapeHtml(note.feed),
          since: when(note.since),
        };
        if (note.kind === "alert") {
          args.tries = note.tries;
          args.error = i18n.t(lang, `feed-error-${note.reason}`, { status: note.httpStatus ?? 0 });
          args.pauseAfter = Math.round(config.FEED_PAUSE_AFTER / 86_400_000) || 1;
        }
        if (note.kind === "moved") {
          args.from = escapeHtml(redactText(note.from));
          args.to = escapeHtml(redactText(note.to));
        }
        try {
          await api.sendMessage(admin, i18n.t(lang, `feed-${note.kind}`, args), {
            parse_mode: "HTML",
            link_preview_options: { is_disabled: true },
          });
        } catch (err) {
          // An admin who never opened a private chat with the bot cannot be written to.
          log.warn({ err, admin, feed: note.feed }, "could not tell a bot admin about a feed");
        }
      }
    },

    /** /stats: the database's figures (shared by every instance) and this process's. */
    async stats(local: {
      /** When this process was answered 429 (pruned here to the last hour). */
      floods: number[];
      readTimes: ReadonlyMap<string, number>;
      flood429: number;
      worker: WorkerStats | undefined;
    }): Promise<DeliveryStats> {
      const midnight = startOfDay(Date.now(), config.TIMEZONE);
      const feeds = await repos.feeds.all();
      const [counts, meta, states, paused, itemsToday, postsToday] = await Promise.all([
        repos.deliveries.counts(),
        repos.meta.get(["digests_sent"]),
        repos.feedStates.getMany(feeds.map((f) => f.name)),
        repos.feedHealth.paused(),
        repos.items.countSince(midnight),
        repos.deliveries.sentSince(midnight),
      ]);
      const failing = states.filter(
        (s, i) => s && s.failures > 0 && !paused.has(feeds[i]?.name ?? ""),
      ).length;
      const pausedListed = feeds.filter((f) => paused.has(f.name)).length;
      const hourAgo = Date.now() - 3_600_000;
      while (local.floods.length && (local.floods[0] ?? 0) < hourAgo) local.floods.shift();
      return {
        feedsOk: feeds.length - failing - pausedListed,
        feedsFailing: failing,
        feedsPaused: pausedListed,
        itemsToday,
        postsToday,
        flood429LastHour: local.floods.length,
        slowest: [...local.readTimes.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3)
          .map(([feed, seconds]) => ({ feed, seconds })),
        sent: counts.sent,
        digests: meta.digests_sent ?? 0,
        pending: counts.pending,
        dead: counts.dead,
        flood429: local.flood429,
        retries: local.worker?.retries ?? 0,
        fallbacks: local.worker?.fallbacks ?? 0,
      };
    },
  };
}
