import { createLock } from "./lock.js";
import type { Store } from "./store.js";

/** A chat (or one forum topic of it) that receives posts of some feeds. */
export interface Subscription {
  chatId: number;
  /** Forum topic the subscription was made in; posts go there. */
  threadId?: number | undefined;
  /** Feed names, or "all" (also feeds added later). */
  feeds: string[] | "all";
  chatType: string;
  title?: string | undefined;
  createdBy?: number | undefined;
  createdAt: string;
}

export const targetKey = (chatId: number, threadId?: number) => `${chatId}:${threadId ?? 0}`;

export function wants(sub: Subscription, feed: string): boolean {
  return sub.feeds === "all" || sub.feeds.includes(feed);
}

export interface SubscriptionRepo {
  list(): Promise<Subscription[]>;
  forChat(chatId: number): Promise<Subscription[]>;
  get(chatId: number, threadId?: number): Promise<Subscription | undefined>;
  save(sub: Subscription): Promise<void>;
  remove(chatId: number, threadId?: number): Promise<boolean>;
  /** Removes every subscription of a chat (kicked, blocked, deleted); returns how many. */
  removeChat(chatId: number): Promise<number>;
  /** A group became a supergroup: its subscriptions follow it. */
  moveChat(from: number, to: number): Promise<void>;
}

/** One key per (chat, topic) and an index key listing them. */
export function createSubscriptionRepo(store: Store): SubscriptionRepo {
  const ns = store.ns<Subscription | string[]>("subs");
  const lock = createLock();
  const INDEX = "index";
  const index = async () => ((await ns.get(INDEX)) as string[] | undefined) ?? [];
  const all = async () => {
    const keys = await index();
    if (keys.length === 0) return [];
    const values = (await ns.get(keys)) as Array<Subscription | undefined>;
    return values.filter((v): v is Subscription => !!v);
  };
  const removeKeys = async (keys: string[]) => {
    if (keys.length === 0) return;
    const drop = new Set(keys);
    await ns.set(
      INDEX,
      (await index()).filter((k) => !drop.has(k)),
    );
    await ns.delete(keys);
  };
  return {
    list: all,
    async forChat(chatId) {
      return (await all()).filter((s) => s.chatId === chatId);
    },
    async get(chatId, threadId) {
      return (await ns.get(targetKey(chatId, threadId))) as Subscription | undefined;
    },
    save: (sub) =>
      lock(INDEX, async () => {
        const key = targetKey(sub.chatId, sub.threadId);
        const keys = await index();
        await ns.set(key, sub);
        if (!keys.includes(key)) await ns.set(INDEX, [...keys, key]);
      }),
    remove: (chatId, threadId) =>
      lock(INDEX, async () => {
        const key = targetKey(chatId, threadId);
        const existed = (await ns.get(key)) !== undefined;
        await removeKeys([key]);
        return existed;
      }),
    removeChat: (chatId) =>
      lock(INDEX, async () => {
        const keys = (await index()).filter((k) => k.startsWith(`${chatId}:`));
        await removeKeys(keys);
        return keys.length;
      }),
    moveChat: (from, to) =>
      lock(INDEX, async () => {
        const subs = (await all()).filter((s) => s.chatId === from);
        if (subs.length === 0) return;
        const moved = subs.map((s) => ({ ...s, chatId: to, chatType: "supergroup" }));
        await ns.setMany(moved.map((s) => ({ key: targetKey(s.chatId, s.threadId), value: s })));
        const old = new Set(subs.map((s) => targetKey(s.chatId, s.threadId)));
        const keys = (await index()).filter((k) => !old.has(k));
        await ns.set(INDEX, [...keys, ...moved.map((s) => targetKey(s.chatId, s.threadId))]);
        await ns.delete([...old]);
      }),
  };
}
