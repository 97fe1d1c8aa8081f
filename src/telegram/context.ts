import type { I18nFlavor } from "@grammyjs/i18n";
import type { Context } from "grammy";
import type { SettingsRepo } from "../store/chat-settings.js";
import type { FeedRegistry } from "../store/feed-registry.js";
import type { OutboxRepo } from "../store/outbox.js";
import type { FeedStateRepo, ItemsRepo } from "../store/repos.js";
import type { SubscriptionRepo } from "../store/subscriptions.js";
import type { Language } from "./render.js";

export type BotContext = Context & I18nFlavor;

/** What the bot's features read and change; handed to each feature factory. */
export interface BotDeps {
  feeds: FeedRegistry;
  feedStates: FeedStateRepo;
  items: ItemsRepo;
  subscriptions: SubscriptionRepo;
  settings: SettingsRepo;
  outbox: OutboxRepo;
  adminIds: ReadonlySet<number>;
  timeZone: string;
  defaultLanguage: Language;
  /** Validates a new feed by reading it once (with the SSRF guard); returns its item count. */
  tryFeed: (name: string, url: string) => Promise<number>;
  /** Delivery figures for /stats. */
  deliveryStats: () => {
    sent: number;
    digests: number;
    flood429: number;
    retries: number;
    dropped: number;
    pending: number;
  };
  /** A chat's settings changed. */
  settingsChanged: (chatId: number) => void;
}

export const LANGUAGES: Language[] = ["vi", "en"];
