import type { ChatSettings, Delivery, FeedItem } from "../domain/types.js";
import type { ItemsRepo, SettingsRepo } from "../store/repos.js";

const SETTINGS_TTL_MS = 60_000;

/**
 * What a send needs besides its row, read once and kept a little: a chat's settings (a
 * minute, or until /settings changes them) and the stored items (a fan-out sends one item to
 * many chats). Both caches are bounded.
 */
export function createLookups(deps: { settings: SettingsRepo; items: ItemsRepo; now: () => number }) {
  const settingsCache = new Map<number, { value: ChatSettings; at: number }>();
  const itemCache = new Map<number, FeedItem>();
  return {
    async settingsFor(chatId: number): Promise<ChatSettings> {
      const cached = settingsCache.get(chatId);
      if (cached && deps.now() - cached.at < SETTINGS_TTL_MS) return cached.value;
      const value = await deps.settings.get(chatId);
      settingsCache.set(chatId, { value, at: deps.now() });
      if (settingsCache.size > 5000) settingsCache.delete(settingsCache.keys().next().value as number);
      return value;
    },
    invalidate(chatId: number): void {
      settingsCache.delete(chatId);
    },
    /** A stored item changed (a correction): read it again before its next send. */
    forgetItem(rowId: number): void {
      itemCache.delete(rowId);
    },
    /** The items of these rows; a row whose item is no longer stored is missing from the map. */
    async itemsFor(ds: Delivery[]): Promise<Map<number, FeedItem>> {
      const missing = ds.map((d) => d.itemRowId).filter((id) => !itemCache.has(id));
      if (missing.length) {
        for (const [id, item] of await deps.items.byIds([...new Set(missing)])) {
          itemCache.set(id, item);
          if (itemCache.size > 512) itemCache.delete(itemCache.keys().next().value as number);
        }
      }
      const out = new Map<number, FeedItem>();
      for (const d of ds) {
        const item = itemCache.get(d.itemRowId);
        if (item) out.set(d.itemRowId, item);
      }
      return out;
    },
  };
}

export type Lookups = ReturnType<typeof createLookups>;
