import type { I18nFlavor } from "@grammyjs/i18n";
import type { Context } from "grammy";
import type { Language } from "../domain/types.js";
import type { Probe } from "../feeds/opml-import.js";
import type {
  FeedRegistry,
  FeedStateRepo,
  FilterRepo,
  ItemsRepo,
  OpmlImportRepo,
  SearchRepo,
  SettingsRepo,
  SubscriptionRepo,
} from "../store/repos.js";

export type BotContext = Context & I18nFlavor;

/** Delivery figures for /stats: from the database (shared by every instance) and this process. */
export interface DeliveryStats {
  /** Accepted by Telegram, all time (database counter). */
  sent: number;
  digests: number;
  /** Queued now (database). */
  pending: number;
  /** Given up after RETRY_MAX_HOURS or refused for good (database). */
  dead: number;
  /** This process since start. */
  flood429: number;
  /** 429s this process was answered in the last hour. */
  flood429LastHour?: number;
  /** Feeds read well at their last try, failing, paused (read once a day). */
  feedsOk?: number;
  feedsFailing?: number;
  feedsPaused?: number;
  /** Since midnight in TIMEZONE: stories found, posts sent. */
  itemsToday?: number;
  postsToday?: number;
  /** The slowest feeds at their last read (this process), slowest first. */
  slowest?: Array<{ feed: string; seconds: number }>;
  retries: number;
  fallbacks: number;
}

/** What the bot's features read and change; handed to each feature factory. */
export interface BotDeps {
  feeds: FeedRegistry;
  feedStates: FeedStateRepo;
  items: ItemsRepo;
  subscriptions: SubscriptionRepo;
  settings: SettingsRepo;
  filters: FilterRepo;
  search: SearchRepo;
  adminIds: ReadonlySet<number>;
  timeZone: string;
  defaultLanguage: Language;
  /** Validates a new feed by reading it once (with the SSRF guard); returns its item count. */
  tryFeed: (name: string, url: string) => Promise<number>;
  deliveryStats: () => Promise<DeliveryStats>;
  /** A chat's settings changed. */
  settingsChanged: (chatId: number) => void;
  /** Resumes a paused feed (read from the next cycle); false when it was not paused. */
  resumeFeed: (name: string) => Promise<boolean>;
  /** OPML import and export (features/opml.ts); without it those commands are not there. */
  opml?: OpmlDeps;
}

export interface OpmlDeps {
  /** Imports waiting for their confirmation button, in the database. */
  imports: OpmlImportRepo;
  /** Reads a feed once as an added feed is read: the SSRF guard unless ALLOW_PRIVATE_FEEDS. */
  probe: Probe;
  /** The operator's FEEDS names, removed ones too: an imported feed never takes one. */
  reservedNames: string[];
}

export const LANGUAGES: Language[] = ["vi", "en"];
