import type { Logger } from "../log.js";
import type { Repos } from "./repos.js";
import type { Store } from "./store.js";

export interface MaintenanceOptions {
  store: Store;
  repos: Repos;
  log: Logger;
  /** Ledger rows (sent, dead, cancelled) older than this are deleted. */
  ledgerKeepMs: number;
  /** Items kept per feed (for /latest). */
  itemsPerFeed: number;
  /** No delivery stays queued longer than this (RETRY_MAX_HOURS): older items may go. */
  queueMaxMs: number;
  /** Items younger than this stay for /search (SEARCH_KEEP_DAYS), whatever itemsPerFeed says. */
  searchKeepMs?: number;
  everyMs?: number;
}

/**
 * Hourly, after a poll cycle: expired seen ids, old ledger rows and update ids, items beyond
 * what /latest keeps once /search no longer needs them. Each step deletes by an index in bounded batches; a failure is logged
 * and tried again sooner.
 */
export function createMaintenance(opts: MaintenanceOptions) {
  const log = opts.log.child({ component: "maintenance" });
  const everyMs = opts.everyMs ?? 3_600_000;
  let doneAt = 0;
  return async function maintain(): Promise<void> {
    if (Date.now() - doneAt < everyMs) return;
    doneAt = Date.now();
    try {
      const seen = await opts.store.purgeExpired();
      const ledger = await opts.repos.deliveries.purge(opts.ledgerKeepMs);
      const updates = await opts.repos.updates.purge(86_400_000);
      // Both tables hold a handful of rows (updates not yet taken, pauses still running): no
      // index needed for these scans.
      const inbox = await opts.repos.inbox.purge(86_400_000);
      await opts.repos.pauses.purge();
      const bulletins = await opts.repos.bulletins.prune(Date.now() - opts.ledgerKeepMs);
      let items = 0;
      for (const feed of await opts.repos.feeds.all())
        items += await opts.repos.items.prune(
          feed.name,
          opts.itemsPerFeed,
          Date.now() - Math.max(opts.queueMaxMs + 3_600_000, opts.searchKeepMs ?? 0),
        );
      if (seen || ledger || updates || items || inbox || bulletins)
        log.info({ seen, ledger, updates, items, inbox, bulletins }, "expired rows removed");
    } catch (err) {
      log.warn({ err }, "maintenance failed; will try again in 10 minutes");
      doneAt = Date.now() - everyMs + 600_000;
    }
  };
}
