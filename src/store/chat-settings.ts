import type { Language, SummaryLength } from "../telegram/render.js";
import type { Store } from "./store.js";

/** Per-chat preferences, changed with /settings. */
export interface ChatSettings {
  summary: SummaryLength;
  images: boolean;
  previews: boolean;
  silent: boolean;
  /** Quiet hours in TIMEZONE, [start, end) hours; posts wait and then arrive as one digest. */
  quiet?: { start: number; end: number } | undefined;
  language?: Language | undefined;
}

export const DEFAULT_SETTINGS: ChatSettings = {
  summary: "normal",
  images: true,
  previews: false,
  silent: false,
};

export interface SettingsRepo {
  get(chatId: number): Promise<ChatSettings>;
  save(chatId: number, settings: ChatSettings): Promise<void>;
  move(from: number, to: number): Promise<void>;
  remove(chatId: number): Promise<void>;
  /** A person's chosen language for the bot's replies. */
  userLanguage(userId: number): Promise<Language | undefined>;
  setUserLanguage(userId: number, language: Language): Promise<void>;
}

export function createSettingsRepo(store: Store): SettingsRepo {
  const chats = store.ns<ChatSettings>("settings");
  const users = store.ns<{ language: Language }>("users");
  return {
    async get(chatId) {
      return { ...DEFAULT_SETTINGS, ...((await chats.get(String(chatId))) ?? {}) };
    },
    async save(chatId, settings) {
      await chats.set(String(chatId), settings);
    },
    async move(from, to) {
      const s = await chats.get(String(from));
      if (s) await chats.set(String(to), s);
      await chats.delete(String(from));
    },
    async remove(chatId) {
      await chats.delete(String(chatId));
    },
    async userLanguage(userId) {
      return (await users.get(String(userId)))?.language;
    },
    async setUserLanguage(userId, language) {
      await users.set(String(userId), { language });
    },
  };
}

/** True when `hour` (0–23) falls in the quiet window, which may wrap past midnight. */
export function inQuietHours(settings: ChatSettings, hour: number): boolean {
  const q = settings.quiet;
  if (!q || q.start === q.end) return false;
  return q.start < q.end ? hour >= q.start && hour < q.end : hour >= q.start || hour < q.end;
}
