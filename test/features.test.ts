/**
 * The bot's features through the real grammY bot (`createBot`) and `bot.handleUpdate`, with no
 * network: an API transformer records every call and answers it, and the repositories are
 * small in-memory fakes of the interfaces the features use.
 */

import type { Chat, Update, UserFromGetMe } from "grammy/types";
import { beforeEach, describe, expect, it } from "vitest";
import { FeedUnreadable } from "../src/domain/feeds.js";
import { nextSetting } from "../src/domain/settings.js";
import {
  type ChatSettings,
  DEFAULT_SETTINGS,
  type FeedItem,
  type FeedSource,
  type FeedState,
  type Language,
  newFeedState,
  type Subscription,
  targetKey,
} from "../src/domain/types.js";
import type { Logger } from "../src/log.js";
import type {
  FeedRegistry,
  FeedStateRepo,
  ItemsRepo,
  SettingsRepo,
  SubscriptionRepo,
} from "../src/store/repos.js";
import type { TargetInfo } from "../src/store/subscriptions.js";
import { createBot, createI18n } from "../src/telegram/bot.js";
import type { BotDeps, DeliveryStats } from "../src/telegram/context.js";
import { checkTelegramHtml, echo, echoHtml, shorten } from "../src/telegram/html.js";

const BOT_ID = 42;
const ADMIN = 1000; // a bot admin (ADMIN_IDS)
const ALICE = 5; // anyone
const GROUP = -100123;

const botInfo: UserFromGetMe = {
  id: BOT_ID,
  is_bot: true,
  first_name: "bantin",
  username: "bantin_bot",
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
};

// ---------------------------------------------------------------------------------------------
// In-memory repositories

function fakeFeeds(list: FeedSource[]): FeedRegistry & { added: Array<{ feed: FeedSource; by?: number }> } {
  const feeds = [...list];
  const added: Array<{ feed: FeedSource; by?: number }> = [];
  return {
    added,
    all: async () => [...feeds],
    find: async (name) => feeds.find((f) => f.name === name.toLowerCase()),
    isTrusted: () => true,
    move: async () => undefined,
    async add(feed, by) {
      added.push({ feed, by });
      feeds.push(feed);
    },
    async remove(name) {
      const i = feeds.findIndex((f) => f.name === name);
      if (i < 0) return false;
      feeds.splice(i, 1);
      return true;
    },
  };
}

function fakeFeedStates(states: FeedState[] = []): FeedStateRepo {
  const map = new Map(states.map((s) => [s.name, s]));
  return {
    get: async (name) => map.get(name),
    getMany: async (names) => names.map((n) => map.get(n)),
    save: async (s) => void map.set(s.name, s),
    saveMany: async (list) => {
      for (const s of list) map.set(s.name, s);
    },
    delete: async (n) => void map.delete(n),
  };
}

function fakeItems(items: FeedItem[] = []): ItemsRepo {
  return {
    store: async () => [],
    recent: async (feeds, limit) => items.filter((it) => !feeds || feeds.includes(it.feed)).slice(0, limit),
    byIds: async () => new Map(),
    countMany: async (feeds) => new Map(feeds.map((f) => [f, items.filter((it) => it.feed === f).length])),
    count: async (feed) => items.filter((it) => it.feed === feed).length,
    countSince: async () => items.length,
    prune: async () => 0,
  };
}

/** The repository's semantics, in memory: "all" minus exclusions, lists, removal when empty. */
function fakeSubscriptions(): SubscriptionRepo & { rows: Map<string, Subscription> } {
  const rows = new Map<string, Subscription>();
  const key = (chatId: number, threadId?: number) => targetKey(chatId, threadId);
  const copy = (s: Subscription | undefined): Subscription | undefined =>
    s && {
      ...s,
      feeds: s.feeds === "all" ? "all" : [...s.feeds],
      ...(s.except ? { except: [...s.except] } : {}),
    };
  return {
    rows,
    get: async (chatId, threadId) => copy(rows.get(key(chatId, threadId))),
    forChat: async (chatId) => [...rows.values()].filter((s) => s.chatId === chatId).map((s) => copy(s)!),
    async subscribe(target: TargetInfo, feeds) {
      const k = key(target.chatId, target.threadId);
      const old = rows.get(k);
      let next: Subscription;
      const base = {
        chatId: target.chatId,
        threadId: target.threadId,
        chatType: target.chatType,
        title: target.title ?? old?.title,
        createdBy: old?.createdBy ?? target.createdBy,
        createdAt: old?.createdAt ?? new Date(0).toISOString(),
      };
      if (feeds === "all") next = { ...base, feeds: "all" };
      else if (old?.feeds === "all") {
        const except = (old.except ?? []).filter((f) => !feeds.includes(f));
        next = { ...base, feeds: "all", ...(except.length ? { except } : {}) };
      } else next = { ...base, feeds: [...new Set([...(old?.feeds ?? []), ...feeds])].sort() };
      rows.set(k, next);
      return copy(next)!;
    },
    async unsubscribe(target, feeds) {
      const k = key(target.chatId, target.threadId);
      const old = rows.get(k);
      if (!old) return { existed: false };
      if (feeds === "all") {
        rows.delete(k);
        return { existed: true };
      }
      if (old.feeds === "all") {
        rows.set(k, { ...old, except: [...new Set([...(old.except ?? []), ...feeds])].sort() });
      } else {
        const left = old.feeds.filter((f) => !feeds.includes(f));
        if (left.length) rows.set(k, { ...old, feeds: left });
        else rows.delete(k);
      }
      return { existed: true, remaining: copy(rows.get(k)) };
    },
    async removeChat(chatId) {
      let n = 0;
      for (const [k, s] of rows) if (s.chatId === chatId && rows.delete(k)) n++;
      return n;
    },
    async moveChat(from, to) {
      for (const [k, s] of [...rows]) {
        if (s.chatId !== from) continue;
        rows.delete(k);
        rows.set(key(to, s.threadId), { ...s, chatId: to });
      }
    },
    channelsOf: async (userId) =>
      [...rows.values()]
        .filter((s) => s.chatType === "channel" && s.createdBy === userId)
        .map((s) => copy(s)!),
    async counts() {
      return { subscriptions: rows.size, chats: new Set([...rows.values()].map((s) => s.chatId)).size };
    },
  };
}

function fakeSettings(): SettingsRepo & { chats: Map<number, ChatSettings>; failFor: Set<number> } {
  const chats = new Map<number, ChatSettings>();
  const users = new Map<number, Language>();
  const failFor = new Set<number>();
  return {
    chats,
    failFor,
    async get(chatId) {
      if (failFor.has(chatId)) throw new Error("database is down");
      return { ...(chats.get(chatId) ?? DEFAULT_SETTINGS) };
    },
    save: async (chatId, s) => void chats.set(chatId, s),
    async toggle(chatId, key) {
      if (failFor.has(chatId)) throw new Error("database is down");
      const next = nextSetting(chats.get(chatId) ?? DEFAULT_SETTINGS, key);
      chats.set(chatId, next);
      return { ...next };
    },
    setLanguage: async (chatId, language) =>
      void chats.set(chatId, { ...(chats.get(chatId) ?? DEFAULT_SETTINGS), language }),
    async setQuiet(chatId, quiet) {
      const next = { ...(chats.get(chatId) ?? DEFAULT_SETTINGS), quiet };
      chats.set(chatId, next);
      return { ...next };
    },
    async setBulletin(chatId, change, at) {
      const was = chats.get(chatId) ?? DEFAULT_SETTINGS;
      const next = {
        ...was,
        bulletin: change.mode,
        bulletinSince: at,
        ...(change.times ? { bulletinTimes: change.times.length ? change.times : undefined } : {}),
      };
      chats.set(chatId, next);
      return { ...next };
    },
    async setTimeZone(chatId, timeZone, at) {
      const next = { ...(chats.get(chatId) ?? DEFAULT_SETTINGS), timeZone, bulletinSince: at };
      chats.set(chatId, next);
      return { ...next };
    },
    async move(from, to) {
      const s = chats.get(from);
      chats.delete(from);
      if (s) chats.set(to, s);
    },
    remove: async (chatId) => void chats.delete(chatId),
    userLanguage: async (userId) => users.get(userId),
    setUserLanguage: async (userId, l) => void users.set(userId, l),
  };
}

/** A logger that keeps what was logged at warn and above (the bot's own catch logs there). */
function fakeLogger() {
  const lines: Array<{ level: string; msg: string }> = [];
  const at =
    (level: string) =>
    (...args: unknown[]) =>
      void lines.push({ level, msg: String(args.find((a) => typeof a === "string") ?? "") });
  const log = {
    child: () => log,
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: at("warn"),
    error: at("error"),
    fatal: at("fatal"),
  };
  return { log: log as unknown as Logger, lines };
}

// ---------------------------------------------------------------------------------------------
// The bot, its recorded API calls, and updates

interface Call {
  method: string;
  payload: Record<string, unknown>;
}

const HATINH: FeedSource = {
  name: "hatinh",
  url: "https://baohatinh.vn/rss/home.rss?key=s3cret",
  kind: "http",
};
const BROKEN: FeedSource = { name: "broken", url: "https://broken.example/private/feed.xml", kind: "http" };

function setup(opts: { feeds?: FeedSource[]; states?: FeedState[]; items?: FeedItem[] } = {}) {
  const calls: Call[] = [];
  /** `${chatId}:${userId}` → status for getChatMember; anything else is a plain member. */
  const members = new Map<string, string>();
  const failing = new Set<string>();
  const feeds = fakeFeeds(
    opts.feeds ?? [HATINH, { name: "baomoi", url: "https://baomoi.example/rss", kind: "http" }],
  );
  const subscriptions = fakeSubscriptions();
  const settings = fakeSettings();
  const stats: DeliveryStats = {
    sent: 1234,
    digests: 5,
    pending: 6,
    dead: 4,
    flood429: 2,
    retries: 3,
    fallbacks: 7,
    flood429LastHour: 1,
    feedsOk: 1,
    feedsFailing: 1,
    feedsPaused: 0,
    itemsToday: 12,
    postsToday: 30,
    slowest: [
      { feed: "baomoi", seconds: 4.2 },
      { feed: "hatinh", seconds: 0.35 },
    ],
  };
  let tryFeed: BotDeps["tryFeed"] = async () => 1;
  const settingsChanged: number[] = [];
  const deps: BotDeps = {
    feeds,
    feedStates: fakeFeedStates(opts.states),
    items: fakeItems(opts.items),
    subscriptions,
    settings,
    // /filter is tested end to end on the real store (bot.e2e.test.ts); these tests never use it.
    filters: {
      list: async () => [],
      add: async () => ({ ok: false, reason: "no-subscription", filters: [] }),
      remove: async () => false,
      clear: async () => 0,
    },
    // /search is tested end to end on the real store (bot.e2e.test.ts).
    search: { search: async () => [] },
    adminIds: new Set([ADMIN]),
    timeZone: "Asia/Ho_Chi_Minh",
    defaultLanguage: "vi",
    tryFeed: (name, url) => tryFeed(name, url),
    deliveryStats: async () => stats,
    settingsChanged: (chatId) => void settingsChanged.push(chatId),
    resumeFeed: async () => false,
  };
  const { log, lines: logged } = fakeLogger();
  const i18n = createI18n("vi", settings);
  const bot = createBot({ token: "123:TEST", apiRoot: "http://127.0.0.1:9", deps, i18n, log, botInfo });
  let messageId = 100;
  bot.api.config.use(async (_prev, method, payload) => {
    const p = (payload ?? {}) as Record<string, unknown>;
    calls.push({ method, payload: p });
    if (failing.has(method)) {
      return { ok: false, error_code: 400, description: `Bad Request: ${method} failed` } as never;
    }
    let result: unknown = true;
    if (method === "sendMessage") {
      result = {
        message_id: messageId++,
        date: 0,
        chat: { id: p.chat_id, type: "private", first_name: "x" },
        text: p.text,
      };
    } else if (method === "getChatMember") {
      const status = members.get(`${p.chat_id}:${p.user_id}`) ?? "member";
      result = {
        status,
        user: { id: p.user_id, is_bot: p.user_id === BOT_ID, first_name: "u" },
        ...(status === "administrator" ? { can_post_messages: true, can_be_edited: false } : {}),
      };
    } else if (method === "getChat") {
      result = {
        id: -1009,
        type: "channel",
        title: "Tin <Hà> Tĩnh",
        accent_color_id: 0,
        max_reaction_count: 0,
      };
    }
    return { ok: true, result } as never;
  });

  let updateId = 1;
  const user = (id: number, language?: string) => ({
    id,
    is_bot: false,
    first_name: `U${id}`,
    ...(language ? { language_code: language } : {}),
  });
  const privateChat = (id: number): Chat.PrivateChat => ({ id, type: "private", first_name: `U${id}` });
  const groupChat: Chat.SupergroupChat = { id: GROUP, type: "supergroup", title: "Nhóm <b>thử</b>" };

  /** Sends a text message (a command when it starts with "/") and waits until it is handled. */
  async function send(from: number, text: string, o: { chat?: Chat; language?: string } = {}) {
    const command = text.startsWith("/") ? (text.split(/\s/)[0] ?? "") : "";
    const update = {
      update_id: updateId++,
      message: {
        message_id: updateId,
        date: 0,
        chat: o.chat ?? privateChat(from),
        from: user(from, o.language),
        text,
        ...(command ? { entities: [{ type: "bot_command", offset: 0, length: command.length }] } : {}),
      },
    } as Update;
    const before = calls.length;
    await bot.handleUpdate(update);
    return calls.slice(before);
  }

  async function press(from: number, data: string, chat: Chat = privateChat(from)) {
    const id = `cq${updateId}`;
    const update = {
      update_id: updateId++,
      callback_query: {
        id,
        from: user(from),
        chat_instance: "1",
        data,
        message: { message_id: 1, date: 0, chat, text: "menu" },
      },
    } as Update;
    const before = calls.length;
    await bot.handleUpdate(update);
    return { id, calls: calls.slice(before) };
  }

  async function update(u: Omit<Update, "update_id">) {
    const before = calls.length;
    await bot.handleUpdate({ update_id: updateId++, ...u } as Update);
    return calls.slice(before);
  }

  return {
    bot,
    calls,
    members,
    failing,
    feeds,
    subscriptions,
    settings,
    settingsChanged,
    logged,
    groupChat,
    send,
    press,
    update,
    setTryFeed: (fn: BotDeps["tryFeed"]) => {
      tryFeed = fn;
    },
  };
}

const sent = (calls: Call[]) => calls.filter((c) => c.method === "sendMessage");
const texts = (calls: Call[]) => sent(calls).map((c) => String(c.payload.text));
const text = (calls: Call[]) => texts(calls).join("\n");
/** What the user sees: HTML parsed like Telegram does, plain text as it is. */
const visible = (c: Call) =>
  c.payload.parse_mode === "HTML" ? checkTelegramHtml(String(c.payload.text)).text : String(c.payload.text);
const answers = (calls: Call[]) => calls.filter((c) => c.method === "answerCallbackQuery");

let t: ReturnType<typeof setup>;
beforeEach(() => {
  t = setup();
});

/** Every HTML message the bot sent is valid Telegram HTML (checked after each test's calls). */
function expectValidHtml(calls: Call[]) {
  for (const c of calls) {
    if (c.payload.parse_mode !== "HTML") continue;
    const check = checkTelegramHtml(String(c.payload.text));
    expect(check.ok, `${check.error}: ${String(c.payload.text)}`).toBe(true);
  }
}

// ---------------------------------------------------------------------------------------------

describe("echo helpers", () => {
  it("shortens by code points, never splitting a surrogate pair or leaving a dangling accent", () => {
    expect(shorten("abc", 64)).toBe("abc");
    expect(shorten("a".repeat(300))).toBe(`${"a".repeat(63)}…`);
    const emoji = shorten("😀".repeat(300));
    expect(Array.from(emoji)).toHaveLength(64);
    expect(emoji).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    // "e" + combining acute at the cut: both go, not just the accent.
    expect(shorten("xye\u0301zz", 4)).toBe("xy…");
    expect(shorten("👨\u200d👩\u200d👧zzzz", 3)).toBe("👨…");
  });
  it("escapes once for HTML and never for plain text", () => {
    expect(echo("<b>x</b> & y")).toBe("<b>x</b> & y");
    expect(echoHtml("<b>x</b> & y")).toBe("&lt;b&gt;x&lt;/b&gt; &amp; y");
    expect(echoHtml("&lt;")).toBe("&amp;lt;");
  });
});

describe("/subscribe and /unsubscribe", () => {
  it("/unsubscribe X on an 'all' subscription leaves 'all except X'", async () => {
    const sub = await t.send(ALICE, "/subscribe all");
    expect(texts(sub)[0]).toContain("Đã đăng ký. Cuộc trò chuyện này đang nhận: tất cả nguồn tin");
    const un = await t.send(ALICE, "/unsubscribe hatinh");
    const reply = sent(un)[0]!;
    expect(reply.payload.parse_mode).toBe("HTML");
    expect(reply.payload.text).toContain("Đã hủy đăng ký: hatinh");
    expect(reply.payload.text).toContain("Vẫn nhận: tất cả nguồn tin, trừ hatinh");
    expect(await t.subscriptions.get(ALICE)).toMatchObject({ feeds: "all", except: ["hatinh"] });
    // Asking for it again lifts the exclusion.
    const again = await t.send(ALICE, "/subscribe hatinh");
    expect(text(again)).toContain("đang nhận: tất cả nguồn tin.");
    expect((await t.subscriptions.get(ALICE))?.except).toBeUndefined();
    expectValidHtml(t.calls);
  });

  it("says so in English, with the exclusion", async () => {
    await t.send(ALICE, "/subscribe all", { language: "en" });
    const un = await t.send(ALICE, "/unsubscribe baomoi", { language: "en" });
    expect(text(un)).toContain("Unsubscribed from: baomoi");
    expect(text(un)).toContain("Still receiving: all sources except baomoi");
  });

  it("tells the truth when the chat was not subscribed, or not to X", async () => {
    expect(text(await t.send(ALICE, "/unsubscribe hatinh"))).toContain(
      "Cuộc trò chuyện này chưa đăng ký nguồn tin nào",
    );
    await t.send(ALICE, "/subscribe hatinh");
    const notX = await t.send(ALICE, "/unsubscribe baomoi");
    expect(text(notX)).toContain("Cuộc trò chuyện này chưa đăng ký baomoi");
    expect(text(notX)).not.toContain("Đã hủy đăng ký");
    expect(text(notX)).toContain("Vẫn nhận: hatinh");
    expect((await t.subscriptions.get(ALICE))?.feeds).toEqual(["hatinh"]);
    const last = await t.send(ALICE, "/unsubscribe hatinh");
    expect(text(last)).toContain("Đã hủy đăng ký: hatinh");
    expect(text(last)).toContain("Không còn nhận tin từ nguồn nào");
    expect(await t.subscriptions.get(ALICE)).toBeUndefined();

    // Already excluded from "all": not received, so not "unsubscribed" again.
    await t.send(ALICE, "/subscribe all");
    await t.send(ALICE, "/unsubscribe hatinh");
    const twice = await t.send(ALICE, "/unsubscribe hatinh baomoi");
    expect(text(twice)).toContain("Đã hủy đăng ký: baomoi");
    expect(text(twice)).toContain("chưa đăng ký hatinh");
    expect(text(twice)).toContain("Vẫn nhận: tất cả nguồn tin, trừ baomoi, hatinh");
    expectValidHtml(t.calls);
  });

  it("/unsubscribe with no argument stops everything after a confirmation button", async () => {
    await t.send(ALICE, "/subscribe hatinh");
    const ask = sent(await t.send(ALICE, "/unsubscribe"))[0]!;
    expect(ask.payload.text).toContain("Cuộc trò chuyện này đang nhận: hatinh. Hủy <b>tất cả</b>?");
    expect(await t.subscriptions.get(ALICE)).toBeDefined();
    const keep = await t.press(ALICE, `ua:${ALICE}:0:no`);
    expect(keep.calls.find((c) => c.method === "editMessageText")?.payload.text).toContain("Giữ nguyên");
    expect(await t.subscriptions.get(ALICE)).toBeDefined();
    const yes = await t.press(ALICE, `ua:${ALICE}:0:yes`);
    expect(yes.calls.find((c) => c.method === "editMessageText")?.payload.text).toContain(
      "Đã hủy đăng ký: tất cả nguồn tin",
    );
    expect(await t.subscriptions.get(ALICE)).toBeUndefined();
    // Pressed again (or by a second admin): told, nothing more happens.
    const again = await t.press(ALICE, `ua:${ALICE}:0:yes`);
    expect(again.calls.find((c) => c.method === "editMessageText")?.payload.text).toContain(
      "đã được hủy trước đó",
    );
    // Someone who may not manage that chat is refused.
    t.members.set(`${GROUP}:${ALICE}`, "member");
    const refused = await t.press(ALICE, `ua:${GROUP}:0:yes`);
    expect(answers(refused.calls)[0]?.payload.text).toContain("Chỉ quản trị viên");
  });

  it("/subscribe alone in a private chat asks where, and subscribes nothing until answered", async () => {
    const ask = sent(await t.send(ALICE, "/subscribe"))[0]!;
    expect(ask.payload.text).toBe("Bạn muốn nhận bản tin ở đâu?");
    expect(JSON.stringify(ask.payload.reply_markup)).toContain("sp:here");
    expect(JSON.stringify(ask.payload.reply_markup)).toContain("sp:channel");
    expect(await t.subscriptions.get(ALICE)).toBeUndefined();
    const channel = await t.press(ALICE, "sp:channel");
    const picker = sent(channel.calls).find((c) =>
      JSON.stringify(c.payload.reply_markup ?? "").includes("request_chat"),
    );
    expect(picker).toBeDefined();
    expect(await t.subscriptions.get(ALICE)).toBeUndefined();
    const here = await t.press(ALICE, "sp:here");
    expect(here.calls.find((c) => c.method === "editMessageText")?.payload.text).toContain(
      "Đã đăng ký. Cuộc trò chuyện này đang nhận: tất cả nguồn tin",
    );
    expect((await t.subscriptions.get(ALICE))?.feeds).toBe("all");
  });

  it("in a group only admins change subscriptions, and a topic's subscription is its own", async () => {
    t.members.set(`${GROUP}:${ALICE}`, "member");
    t.members.set(`${GROUP}:${ADMIN}`, "administrator");
    expect(text(await t.send(ALICE, "/subscribe", { chat: t.groupChat }))).toContain("Chỉ quản trị viên");
    expect(await t.subscriptions.counts()).toEqual({ subscriptions: 0, chats: 0 });
    await t.send(ADMIN, "/subscribe hatinh", { chat: t.groupChat });
    expect((await t.subscriptions.get(GROUP))?.feeds).toEqual(["hatinh"]);
  });

  it("echoes an unknown feed exactly as typed, in plain text, never escaped", async () => {
    const calls = await t.send(ALICE, "/subscribe <b>x</b>");
    const reply = sent(calls)[0]!;
    expect(reply.payload.parse_mode).toBeUndefined();
    expect(reply.payload.text).toContain("Không có nguồn tin “<b>x</b>”");
    expect(reply.payload.text).not.toContain("&lt;");
    expect(await t.subscriptions.get(ALICE)).toBeUndefined();
    // As typed: not lowercased either.
    expect(text(await t.send(ALICE, "/unsubscribe <B>Y&amp;</B>"))).toContain("“<B>Y&amp;</B>”");
    const latest = sent(await t.send(ALICE, "/latest <i>z</i>"))[0]!;
    expect(latest.payload.parse_mode).toBeUndefined();
    expect(latest.payload.text).toContain("“<i>z</i>”");
    const inGroup = sent(await t.send(ALICE, "/subscribe <b>x</b>", { chat: t.groupChat }))[0]!;
    expect(inGroup.payload.parse_mode).toBeUndefined();
    expect(inGroup.payload.text).toContain("“<b>x</b>”");
  });

  it("shortens a 300-character argument", async () => {
    const long = "a".repeat(300);
    const reply = texts(await t.send(ALICE, `/subscribe ${long}`))[0]!;
    expect(reply).toContain(`“${"a".repeat(63)}…”`);
    expect(reply).not.toContain("a".repeat(64));
    const emoji = texts(await t.send(ALICE, `/latest ${"😀".repeat(300)}`))[0]!;
    expect(emoji).toContain(`${"😀".repeat(63)}…`);
    expect(emoji).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });

  it("subscribes a channel named from a private chat, escaping its title once", async () => {
    t.members.set(`-1009:${ALICE}`, "administrator");
    t.members.set(`-1009:${BOT_ID}`, "administrator");
    const calls = await t.send(ALICE, "/subscribe @kenh hatinh");
    const reply = sent(calls)[0]!;
    expect(reply.payload.parse_mode).toBe("HTML");
    expect(reply.payload.text).toContain("Kênh Tin &lt;Hà&gt; Tĩnh đã đăng ký, đang nhận: hatinh");
    expect(visible(reply)).toContain("Kênh Tin <Hà> Tĩnh");
    expect(await t.subscriptions.get(-1009)).toMatchObject({ feeds: ["hatinh"], chatType: "channel" });
    // Refused: the channel as typed, plain.
    t.members.set(`-1009:${ALICE}`, "member");
    const refused = sent(await t.send(ALICE, "/unsubscribe @kenh<&>"))[0]!;
    expect(refused.payload.parse_mode).toBeUndefined();
    expect(refused.payload.text).toContain("@kenh<&>");
    expectValidHtml(t.calls);
  });

  it("the choose-a-channel button subscribes a new channel to all, and keeps an existing one", async () => {
    t.members.set(`-1009:${ALICE}`, "administrator");
    t.members.set(`-1009:${BOT_ID}`, "administrator");
    const share = () =>
      t.update({
        message: {
          message_id: 9,
          date: 0,
          chat: { id: ALICE, type: "private", first_name: "A" },
          from: { id: ALICE, is_bot: false, first_name: "A" },
          chat_shared: { request_id: 1, chat_id: -1009 },
        },
      } as Omit<Update, "update_id">);
    expect(text(await share())).toContain("đang nhận: tất cả nguồn tin");
    await t.subscriptions.unsubscribe({ chatId: -1009 }, ["hatinh"]);
    expect(text(await share())).toContain("đang nhận: tất cả nguồn tin, trừ hatinh");
    expect(await t.subscriptions.get(-1009)).toMatchObject({ feeds: "all", except: ["hatinh"] });
  });
});

describe("buttons", () => {
  it("answers a garbage callback query", async () => {
    const { id, calls } = await t.press(ALICE, "zzz");
    const [answer] = answers(calls);
    expect(answer?.payload.callback_query_id).toBe(id);
    expect(answer?.payload.text).toContain("Nút này đã cũ");
    // A settings button of an unknown setting, and a language we do not speak: stale too.
    expect(answers((await t.press(ALICE, `st:${ALICE}:bogus`)).calls)[0]?.payload.text).toContain("đã cũ");
    expect(answers((await t.press(ALICE, "lang:fr")).calls)[0]?.payload.text).toContain("đã cũ");
    expect(t.logged).toEqual([]);
  });

  it("answers a settings button pressed by a non-admin, and saves one pressed by an admin", async () => {
    t.members.set(`${GROUP}:${ALICE}`, "member");
    t.members.set(`${GROUP}:${ADMIN}`, "administrator");
    const refused = await t.press(ALICE, `st:${GROUP}:images`, t.groupChat);
    expect(answers(refused.calls)).toHaveLength(1);
    expect(answers(refused.calls)[0]?.payload).toMatchObject({
      callback_query_id: refused.id,
      text: "Chỉ quản trị viên mới đổi được cài đặt.",
      show_alert: true,
    });
    expect(t.settings.chats.get(GROUP)).toBeUndefined();
    const saved = await t.press(ADMIN, `st:${GROUP}:images`, t.groupChat);
    expect(answers(saved.calls)[0]?.payload.text).toBe("Đã lưu.");
    expect(t.settings.chats.get(GROUP)?.images).toBe(false);
    expect(t.settingsChanged).toEqual([GROUP]);
    expect(saved.calls.some((c) => c.method === "editMessageReplyMarkup")).toBe(true);
  });

  it("answers a button whose handler threw, from the error boundary", async () => {
    t.settings.failFor.add(ALICE);
    const { id, calls } = await t.press(ALICE, `st:${ALICE}:silent`);
    expect(answers(calls)).toHaveLength(1);
    expect(answers(calls)[0]?.payload).toMatchObject({ callback_query_id: id });
    expect(answers(calls)[0]?.payload.text).toContain("Đã có lỗi");
    expect(t.logged.map((l) => l.msg)).toEqual(["error while handling an update"]);
  });

  it("changes the language from the /language menu", async () => {
    const { calls } = await t.press(ALICE, "lang:en");
    expect(answers(calls)[0]?.payload.text).toBe("✅ Switched to English.");
    expect(calls.find((c) => c.method === "editMessageText")?.payload.text).toBe("✅ Switched to English.");
    expect(texts(await t.send(ALICE, "/unsubscribe"))[0]).toBe(
      "ℹ️ This chat is not subscribed to any source.",
    );
  });
});

describe("the error boundary", () => {
  it("does not throw when the error reply itself cannot be sent", async () => {
    t.settings.failFor.add(ALICE);
    t.failing.add("sendMessage");
    const calls = await t.send(ALICE, "/settings");
    expect(sent(calls)).toHaveLength(1); // the error reply, refused by Telegram
    expect(t.logged.map((l) => l.msg)).toEqual([
      "error while handling an update",
      "could not report the error to the user",
    ]);
  });

  it("a button answer that fails does not throw either", async () => {
    t.failing.add("answerCallbackQuery");
    await expect(t.press(ALICE, "zzz")).resolves.toBeDefined();
    expect(t.logged).toEqual([]);
  });
});

describe("/feeds", () => {
  const states = (): FeedState[] => [
    {
      ...newFeedState(HATINH.name, HATINH.url),
      title: "Báo <Hà Tĩnh>",
      baselineDone: true,
      lastSuccessAt: "2026-11-01T01:00:00.000Z",
      itemsKnown: 12,
      itemsHeld: 3,
    },
    {
      ...newFeedState(BROKEN.name, BROKEN.url),
      failures: 2,
      lastErrorAt: "2026-11-01T02:00:00.000Z",
      lastError: "getaddrinfo ENOTFOUND broken.example <internal> & more",
      nextAttemptAt: "2026-11-01T14:05:00.000Z",
    },
  ];

  it("hides addresses and raw errors from everyone but bot admins", async () => {
    t = setup({ feeds: [HATINH, BROKEN], states: states() });
    const calls = await t.send(ALICE, "/feeds");
    const reply = sent(calls)[0]!;
    const seen = visible(reply);
    expect(seen).toContain("hatinh — Báo <Hà Tĩnh> (baohatinh.vn)");
    expect(seen).toContain("✅ đọc lúc 01/11/2026 08:00 · 12 tin");
    expect(seen).toContain("broken — broken.example");
    expect(seen).toContain("⚠️ không đọc được (lần thử tiếp: 01/11/2026 21:05)");
    expect(seen).not.toContain("https://");
    expect(seen).not.toContain("s3cret");
    expect(seen).not.toContain("/private/");
    expect(seen).not.toContain("ENOTFOUND");
    expect(seen).not.toContain("📦");
    expect(seen).toContain("Cuộc trò chuyện này chưa đăng ký");
    expectValidHtml(calls);
  });

  it("shows bot admins the full address, the raw error and what was held back", async () => {
    t = setup({ feeds: [HATINH, BROKEN], states: states() });
    await t.send(ADMIN, "/subscribe all");
    await t.send(ADMIN, "/unsubscribe broken");
    const calls = await t.send(ADMIN, "/feeds");
    const seen = visible(sent(calls)[0]!);
    expect(seen).toContain(`🔗 ${HATINH.url}`);
    expect(seen).toContain(`🔗 ${BROKEN.url}`);
    expect(seen).toContain("lỗi (2 lần liên tiếp): getaddrinfo ENOTFOUND broken.example <internal> & more");
    expect(seen).toContain("📦 3 tin không được gửi vì vượt giới hạn mỗi lần đọc");
    expect(seen).toContain("đang nhận: tất cả nguồn tin, trừ broken");
    expectValidHtml(calls);
  });

  it("shows a bot admin no address or raw error in a group (the whole group would see them)", async () => {
    t = setup({ feeds: [HATINH, BROKEN], states: states() });
    const seen = visible(sent(await t.send(ADMIN, "/feeds", { chat: t.groupChat }))[0]!);
    expect(seen).not.toContain("https://");
    expect(seen).not.toContain("ENOTFOUND");
    expect(seen).toContain("hatinh — Báo <Hà Tĩnh> (baohatinh.vn)");
  });

  it("shows when each feed is read next and how far apart its reads are (adaptive polling)", async () => {
    const next = { nextReadAt: Date.parse("2026-11-01T01:12:00.000Z"), readEveryMs: 12 * 60_000 };
    t = setup({
      feeds: [HATINH, { ...BROKEN, everyMs: 300_000 }],
      states: [{ ...states()[0]!, ...next }, states()[1]!],
    });
    const seen = visible(sent(await t.send(ALICE, "/feeds"))[0]!);
    expect(seen).toContain("🔄 lần đọc tới: 01/11/2026 08:12 (cách 12 phút)");
    // A failing feed shows its next try instead.
    expect(seen.match(/🔄/g)).toHaveLength(1);
    t = setup({ feeds: [{ ...HATINH, everyMs: 720_000 }], states: [{ ...states()[0]!, ...next }] });
    const en = visible(sent(await t.send(ALICE, "/feeds", { language: "en" }))[0]!);
    expect(en).toContain("🔄 next read: 01/11/2026 08:12 (12 min apart, fixed)");
  });

  it("uses English plurals", async () => {
    t = setup({ feeds: [HATINH], states: [{ ...states()[0]!, itemsKnown: 1, itemsHeld: 1 }] });
    const seen = visible(sent(await t.send(ADMIN, "/feeds", { language: "en" }))[0]!);
    expect(seen).toContain("· 1 story");
    expect(seen).toContain("📦 1 story was not posted");
  });

  it("keeps every message within Telegram's limit however many feeds there are", async () => {
    const many = Array.from({ length: 120 }, (_, i) => ({
      name: `feed${i}`,
      url: `https://site${i}.example/${"p".repeat(100)}/rss`,
      kind: "http" as const,
    }));
    t = setup({
      feeds: many,
      states: many.map((f) => ({ ...newFeedState(f.name, f.url), lastError: "x".repeat(500), failures: 1 })),
    });
    const calls = sent(await t.send(ADMIN, "/feeds"));
    expect(calls.length).toBeGreaterThan(1);
    for (const c of calls) expect(visible(c).length).toBeLessThanOrEqual(4096);
    expectValidHtml(calls);
  });
});

describe("bot admin commands", () => {
  it("/stats for an admin reads the delivery figures and the subscription counts", async () => {
    await t.send(ALICE, "/subscribe all");
    await t.send(ADMIN, "/subscribe hatinh");
    const reply = sent(await t.send(ADMIN, "/stats"))[0]!;
    expect(reply.payload.parse_mode).toBe("HTML");
    const seen = visible(reply);
    expect(seen).toContain("Nguồn tin: 2 · Đăng ký: 2 (2 cuộc trò chuyện)");
    expect(seen).toContain("Đã gửi: 1.234 · Bản tin gộp: 5 · Đang chờ: 6");
    expect(seen).toContain("Không gửi được: 4");
    expect(seen).toContain("429: 2 · Thử lại: 3 · Gửi dự phòng: 7");
    expect(seen).toContain("Nguồn: 1 tốt · 1 lỗi · 0 tạm dừng");
    expect(seen).toContain("Hôm nay: 12 tin mới · 30 bài đã gửi");
    expect(seen).toContain("429 trong 1 giờ qua: 1");
    expect(seen).toContain("Chậm nhất: baomoi 4,2 s · hatinh 0,35 s");
    const en = visible(sent(await t.send(ADMIN, "/stats", { language: "en" }))[0]!);
    expect(en).toContain("Subscriptions: 2 (2 chats)");
    expect(en).toContain("Dead letters: 4");
    expect(en).toContain("Fallbacks: 7");
    expect(en).toContain("Today: 12 new stories · 30 posts sent");
    expect(en).toContain("Slowest: baomoi 4.2 s · hatinh 0.35 s");
    expectValidHtml(t.calls);
  });

  it("/stats and /addfeed are refused to others", async () => {
    expect(text(await t.send(ALICE, "/stats"))).toContain("chỉ dành cho quản trị viên của bot");
    expect(text(await t.send(ALICE, "/addfeed https://x.example/rss"))).toContain("chỉ dành cho");
    expect(t.feeds.added).toEqual([]);
  });

  it("/addfeed records who added the feed", async () => {
    const calls = await t.send(ADMIN, "/addfeed https://tin.example/rss.xml tin");
    expect(text(calls)).toContain("Đã thêm nguồn <b>tin</b> (1 tin)");
    expect(t.feeds.added).toEqual([
      { feed: { name: "tin", url: "https://tin.example/rss.xml", kind: "http" }, by: ADMIN },
    ]);
  });

  it("/addfeed takes a fixed read interval (every=) and refuses one out of range", async () => {
    const calls = await t.send(ADMIN, "/addfeed https://tin.example/rss.xml tin every=15m");
    expect(text(calls)).toContain("Đã thêm nguồn <b>tin</b>");
    expect(t.feeds.added[0]?.feed).toMatchObject({ name: "tin", everyMs: 15 * 60_000 });
    expect(text(await t.send(ADMIN, "/addfeed https://tin.example/b.xml b every=5s"))).toContain(
      "Tùy chọn không hợp lệ: every=5s",
    );
    expect(t.feeds.added).toHaveLength(1);
  });

  it("/addfeed escapes once and shortens what it echoes, and says why a feed failed in words", async () => {
    t.setTryFeed(async () => {
      throw new FeedUnreadable("dns", `getaddrinfo ENOTFOUND <b>${"e".repeat(400)}</b> & more`);
    });
    const url = `https://x.example/a?b=1&c=<i>${"u".repeat(100)}`;
    const calls = await t.send(ADMIN, `/addfeed ${url}`);
    const [checking, failed] = sent(calls);
    expect(checking?.payload.parse_mode).toBe("HTML");
    expect(checking?.payload.text).toContain("https://x.example/a?b=1&amp;c=&lt;i&gt;uuu");
    expect(checking?.payload.text).not.toContain("&amp;amp;");
    expect(visible(checking!)).toContain(`${url.slice(0, 63)}…`);
    expect(failed?.payload.parse_mode).toBe("HTML");
    expect(visible(failed!)).toContain("Không đọc được nguồn tin: tên miền không tồn tại");
    expect(visible(failed!)).not.toContain("ENOTFOUND");
    // An error the bot cannot name is not shown raw either.
    t.setTryFeed(async () => {
      throw new Error("socket hang up <b>");
    });
    const other = sent(await t.send(ADMIN, "/addfeed https://y.example/rss"))[1]!;
    expect(visible(other)).toContain("xem nhật ký của bot");
    expect(visible(other)).not.toContain("socket hang up");
    expect(t.feeds.added).toEqual([]);
    // A bad name is echoed as typed, in plain text.
    const bad = sent(await t.send(ADMIN, "/addfeed https://x.example/rss <bad>"))[0]!;
    expect(bad.payload.parse_mode).toBeUndefined();
    expect(bad.payload.text).toContain("“<bad>”");
    expectValidHtml(t.calls);
  });

  it("/removefeed echoes an unknown name as typed", async () => {
    const reply = sent(await t.send(ADMIN, "/removefeed <Nope>"))[0]!;
    expect(reply.payload.parse_mode).toBeUndefined();
    expect(reply.payload.text).toContain("“<Nope>”");
    expect(text(await t.send(ADMIN, "/removefeed baomoi"))).toContain("Đã gỡ nguồn <b>baomoi</b>");
  });
});

describe("/latest and membership", () => {
  it("/latest lists the repository's recent items of the registry's feeds", async () => {
    const item = (n: number, feed: string): FeedItem => ({
      id: `g${n}`,
      feed,
      title: `Tin số ${n} <mới>`,
      link: `https://tin.example/${n}.html`,
      text: "",
      categories: [],
      published: `2026-11-01T0${n}:00:00+07:00`,
    });
    t = setup({ items: [item(3, "hatinh"), item(2, "gone"), item(1, "baomoi")] });
    const reply = sent(await t.send(ALICE, "/latest"))[0]!;
    expect(visible(reply)).toContain("2 tin mới nhất");
    expect(visible(reply)).toContain("1. Tin số 3 <mới>");
    expect(visible(reply)).not.toContain("Tin số 2"); // its feed was removed
    const one = sent(await t.send(ALICE, "/latest 1 hatinh", { language: "en" }))[0]!;
    expect(visible(one)).toContain("The latest story — hatinh");
    expectValidHtml(t.calls);
  });

  it("drops a chat's subscriptions and settings when the bot is removed, and follows a migration", async () => {
    t.members.set(`-5:${ADMIN}`, "administrator");
    await t.send(ADMIN, "/subscribe", { chat: { id: -5, type: "group", title: "G" } });
    await t.settings.save(-5, { ...DEFAULT_SETTINGS, silent: true });
    await t.update({
      message: {
        message_id: 3,
        date: 0,
        chat: { id: -5, type: "group", title: "G" },
        from: { id: ADMIN, is_bot: false, first_name: "A" },
        migrate_to_chat_id: GROUP,
      },
    } as Omit<Update, "update_id">);
    expect(await t.subscriptions.get(GROUP)).toMatchObject({ feeds: "all" });
    expect(t.settings.chats.get(GROUP)?.silent).toBe(true);
    const me = { id: BOT_ID, is_bot: true, first_name: "bantin" };
    await t.update({
      my_chat_member: {
        chat: t.groupChat,
        from: { id: ADMIN, is_bot: false, first_name: "A" },
        date: 0,
        old_chat_member: { status: "member", user: me },
        new_chat_member: { status: "kicked", user: me, until_date: 0 },
      },
    } as Omit<Update, "update_id">);
    expect(await t.subscriptions.forChat(GROUP)).toEqual([]);
    expect(t.settings.chats.has(GROUP)).toBe(false);
  });
});
