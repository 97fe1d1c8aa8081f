import type { FeedSource } from "../domain/types.js";
import { type BulletinRepo, createBulletinRepo } from "./bulletins.js";
import { type CorrectionRepo, createCorrectionRepo } from "./corrections.js";
import { type CounterRepo, createCounterRepo } from "./counters.js";
import { createDeliveryRepo, type DeliveryRepo } from "./deliveries.js";
import { createFeedRegistry, createFeedStateRepo, type FeedRegistry, type FeedStateRepo } from "./feeds.js";
import { createFilterRepo, type FilterRepo } from "./filters.js";
import { createFeedHealthRepo, type FeedHealthRepo } from "./health.js";
import { createInboxRepo, type InboxRepo } from "./inbox.js";
import { createItemsRepo, type ItemsRepo } from "./items.js";
import { createLeaseRepo, type LeaseRepo } from "./leases.js";
import { createMetaRepo, type MetaRepo } from "./meta.js";
import { createOpmlImportRepo, type OpmlImportRepo } from "./opml-imports.js";
import { createPauseRepo, type PauseRepo } from "./pauses.js";
import { createSearchRepo, type SearchRepo } from "./search.js";
import { createSeenRepo, type SeenRepo } from "./seen.js";
import { createSettingsRepo, type SettingsRepo } from "./settings.js";
import type { Store } from "./store.js";
import { createSubscriptionRepo, type SubscriptionRepo } from "./subscriptions.js";
import { createUpdateRepo, type UpdateRepo } from "./updates.js";
import { createWebSubRepo, type WebSubRepo } from "./websub.js";

/** Every repository over one store: small interfaces, one per table or concern. */
export interface Repos {
  feeds: FeedRegistry;
  feedStates: FeedStateRepo;
  items: ItemsRepo;
  seen: SeenRepo;
  subscriptions: SubscriptionRepo;
  settings: SettingsRepo;
  deliveries: DeliveryRepo;
  meta: MetaRepo;
  leases: LeaseRepo;
  updates: UpdateRepo;
  inbox: InboxRepo;
  pauses: PauseRepo;
  counters: CounterRepo;
  filters: FilterRepo;
  search: SearchRepo;
  corrections: CorrectionRepo;
  bulletins: BulletinRepo;
  feedHealth: FeedHealthRepo;
  websub: WebSubRepo;
  opmlImports: OpmlImportRepo;
}

export function createRepos(store: Store, opts: { operatorFeeds: FeedSource[]; seenTtlMs: number }): Repos {
  const db = store.db;
  return {
    feeds: createFeedRegistry(opts.operatorFeeds, db),
    feedStates: createFeedStateRepo(db),
    items: createItemsRepo(db),
    seen: createSeenRepo(store.keyv<number>("seen"), opts.seenTtlMs),
    subscriptions: createSubscriptionRepo(db),
    settings: createSettingsRepo(db),
    deliveries: createDeliveryRepo(db, store.backend),
    meta: createMetaRepo(db),
    leases: createLeaseRepo(db),
    updates: createUpdateRepo(db),
    inbox: createInboxRepo(db, store.backend),
    pauses: createPauseRepo(db),
    counters: createCounterRepo(db),
    filters: createFilterRepo(db, store.backend),
    search: createSearchRepo(db, store.backend),
    corrections: createCorrectionRepo(db),
    bulletins: createBulletinRepo(db),
    feedHealth: createFeedHealthRepo(db),
    websub: createWebSubRepo(db),
    opmlImports: createOpmlImportRepo(db),
  };
}

export type {
  BulletinRepo,
  DeliveryRepo,
  FeedHealthRepo,
  FeedRegistry,
  FeedStateRepo,
  FilterRepo,
  InboxRepo,
  ItemsRepo,
  LeaseRepo,
  MetaRepo,
  OpmlImportRepo,
  PauseRepo,
  SearchRepo,
  SeenRepo,
  SettingsRepo,
  SubscriptionRepo,
  UpdateRepo,
  WebSubRepo,
};
