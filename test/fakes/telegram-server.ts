import http from "node:http";
import type { AddressInfo } from "node:net";
import { telegramParse } from "./telegram-html.js";

/**
 * A fake Telegram Bot API server on 127.0.0.1, reached through grammY's `apiRoot`. It answers
 * like Telegram, errors included: flood limits with 429 + retry_after (1/s per chat, 20/min per
 * group or channel, a global rate), 403 for kicked bots, group → supergroup migration, HTML
 * parse errors, length limits, and scripted failures.
 */

export const BOT_ID = 777000;
export const TOKEN = `${BOT_ID}:AAfakefakefakefakefakefakefakefake12`;

export interface FakeChat {
  id: number;
  type: "private" | "group" | "supergroup" | "channel";
  title?: string;
  username?: string;
  isForum?: boolean;
  /** user id → status ("creator", "administrator", "member", "left"…). */
  members: Map<number, string>;
  /** Scripted behaviour for sends to this chat. */
  kicked?: boolean;
  migrateTo?: number;
  fail5xx?: number;
  forced429?: { times: number; retryAfter: number };
  photoFails?: boolean;
  /** Answer every HTML message with a parse error (as for a formatting bug). */
  rejectHtml?: boolean;
  /** Simulated time Telegram takes to answer a send (ms). */
  latencyMs?: number;
}

export interface SentMessage {
  method: string;
  chatId: number;
  threadId?: number;
  text: string;
  parseMode?: string;
  photo?: string;
  disableNotification?: boolean;
  paid?: boolean;
  at: number;
  messageId: number;
}

export interface FakeTelegramOptions {
  /** Enforce Telegram's flood limits. */
  limits?: boolean;
  /** Global messages per second before 429 (Telegram: about 30). */
  globalPerSecond?: number;
  /** Allow short bursts per chat, as Telegram does, before answering 429. */
  perChatIntervalMs?: number;
  latencyMs?: number;
}

export class FakeTelegram {
  readonly chats = new Map<number, FakeChat>();
  readonly sent: SentMessage[] = [];
  readonly calls: Array<{ method: string; params: Record<string, unknown> }> = [];
  readonly commands: Array<Record<string, unknown>> = [];
  flood429 = 0;
  private updates: unknown[] = [];
  private nextUpdateId = 1;
  private nextMessageId = 1;
  private waiters: Array<() => void> = [];
  private server?: http.Server;
  private chatSends = new Map<number, number[]>();
  private globalSends: number[] = [];
  port = 0;

  constructor(readonly options: FakeTelegramOptions = {}) {}

  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const w of this.waiters) w();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  addChat(chat: Partial<FakeChat> & Pick<FakeChat, "id" | "type">): FakeChat {
    const full: FakeChat = { members: new Map(), ...chat };
    this.chats.set(full.id, full);
    return full;
  }

  /** Queues an update for getUpdates. */
  push(update: Record<string, unknown>): void {
    this.updates.push({ update_id: this.nextUpdateId++, ...update });
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** A text message from a user; commands get their bot_command entity as Telegram adds it. */
  message(chatId: number, fromId: number, text: string, extra: Record<string, unknown> = {}): void {
    const chat = this.chats.get(chatId);
    const command = /^\/[a-z_]+(@\w+)?/.exec(text);
    this.push({
      message: {
        message_id: this.nextMessageId++,
        date: Math.floor(Date.now() / 1000),
        chat: this.chatObject(
          chat ?? { id: chatId, type: chatId > 0 ? "private" : "group", members: new Map() },
        ),
        from: { id: fromId, is_bot: false, first_name: `User${fromId}`, language_code: "vi" },
        text,
        ...(command ? { entities: [{ type: "bot_command", offset: 0, length: command[0].length }] } : {}),
        ...extra,
      },
    });
  }

  /** A my_chat_member update: the bot's own status in a chat changed. */
  botStatusChange(chatId: number, byUser: number, from: string, to: string): void {
    const chat = this.chats.get(chatId) ?? { id: chatId, type: "supergroup" as const, members: new Map() };
    const bot = { id: BOT_ID, is_bot: true, first_name: "bantin" };
    this.push({
      my_chat_member: {
        chat: this.chatObject(chat),
        from: { id: byUser, is_bot: false, first_name: `User${byUser}` },
        date: Math.floor(Date.now() / 1000),
        old_chat_member: { status: from, user: bot },
        new_chat_member: { status: to, user: bot, ...(to === "kicked" ? { until_date: 0 } : {}) },
      },
    });
  }

  sentTo(chatId: number): SentMessage[] {
    return this.sent.filter((m) => m.chatId === chatId);
  }

  /** Resolves when `predicate` holds, polling; rejects after `timeoutMs`. */
  async waitFor(predicate: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private chatObject(chat: FakeChat): Record<string, unknown> {
    if (chat.type === "private") return { id: chat.id, type: "private", first_name: `User${chat.id}` };
    return {
      id: chat.id,
      type: chat.type,
      title: chat.title ?? `Chat ${chat.id}`,
      ...(chat.username ? { username: chat.username } : {}),
      ...(chat.isForum ? { is_forum: true } : {}),
    };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const match = /^\/bot([^/]+)\/(\w+)/.exec(req.url ?? "");
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const reply = (status: number, body: unknown) => {
      if (res.destroyed) return;
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    if (!match || match[1] !== TOKEN)
      return reply(401, { ok: false, error_code: 401, description: "Unauthorized" });
    const method = match[2] as string;
    let params: Record<string, unknown> = {};
    const raw = Buffer.concat(chunks).toString();
    if (raw) {
      try {
        params = JSON.parse(raw);
      } catch {
        params = Object.fromEntries(new URLSearchParams(raw));
      }
    }
    this.calls.push({ method, params });
    try {
      const result = await this.dispatch(method, params, req);
      reply(200, { ok: true, result });
    } catch (error) {
      if (error instanceof ApiError)
        return reply(error.code, {
          ok: false,
          error_code: error.code,
          description: error.description,
          ...(error.parameters ? { parameters: error.parameters } : {}),
        });
      reply(500, { ok: false, error_code: 500, description: `Internal Server Error: ${error}` });
    }
  }

  private async dispatch(
    method: string,
    p: Record<string, unknown>,
    req: http.IncomingMessage,
  ): Promise<unknown> {
    switch (method) {
      case "getMe":
        return {
          id: BOT_ID,
          is_bot: true,
          first_name: "bantin",
          username: "bantin_test_bot",
          can_join_groups: true,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
        };
      case "deleteWebhook":
      case "setMyCommands":
        if (method === "setMyCommands") this.commands.push(p);
        return true;
      case "getUpdates":
        return this.getUpdates(p, req);
      case "answerCallbackQuery":
      case "editMessageReplyMarkup":
        return true;
      case "editMessageText":
        return {
          message_id: Number(p.message_id),
          date: 0,
          chat: { id: Number(p.chat_id), type: "private" },
          text: p.text,
        };
      case "getChat":
        return this.chatObject(this.findChat(p.chat_id));
      case "getChatMember": {
        const chat = this.findChat(p.chat_id);
        const userId = Number(p.user_id);
        const status =
          chat.members.get(userId) ??
          (userId === BOT_ID ? "member" : chat.type === "private" ? "member" : "left");
        return {
          status,
          user: { id: userId, is_bot: userId === BOT_ID, first_name: `User${userId}` },
          ...(status === "administrator"
            ? { can_post_messages: true, can_be_edited: false, is_anonymous: false }
            : {}),
        };
      }
      case "sendMessage":
      case "sendPhoto":
        return this.send(method, p);
      default:
        throw new ApiError(404, "Not Found: method not found");
    }
  }

  private findChat(id: unknown): FakeChat {
    const chat =
      typeof id === "string" && id.startsWith("@")
        ? [...this.chats.values()].find((c) => c.username && `@${c.username}` === id)
        : this.chats.get(Number(id));
    if (!chat) throw new ApiError(400, "Bad Request: chat not found");
    return chat;
  }

  private async getUpdates(p: Record<string, unknown>, req: http.IncomingMessage): Promise<unknown[]> {
    const offset = Number(p.offset ?? 0);
    if (offset) this.updates = this.updates.filter((u) => (u as { update_id: number }).update_id >= offset);
    if (this.updates.length === 0) {
      const timeout = Math.min(Number(p.timeout ?? 0), 2) * 1000;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeout);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
        req.once("close", () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.updates.slice(0, Number(p.limit ?? 100));
  }

  private async send(method: string, p: Record<string, unknown>): Promise<unknown> {
    const chatId = Number(p.chat_id);
    const chat = this.chats.get(chatId);
    if (!chat) throw new ApiError(400, "Bad Request: chat not found");
    const latency = chat.latencyMs ?? this.options.latencyMs ?? 0;
    if (latency) await new Promise((r) => setTimeout(r, latency));
    if (chat.kicked)
      throw new ApiError(
        403,
        chat.type === "private"
          ? "Forbidden: bot was blocked by the user"
          : "Forbidden: bot was kicked from the group chat",
      );
    if (chat.migrateTo) {
      throw new ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat", {
        migrate_to_chat_id: chat.migrateTo,
      });
    }
    if (chat.fail5xx && chat.fail5xx > 0) {
      chat.fail5xx--;
      throw new ApiError(502, "Bad Gateway");
    }
    if (chat.forced429 && chat.forced429.times > 0) {
      chat.forced429.times--;
      this.flood429++;
      throw new ApiError(429, `Too Many Requests: retry after ${chat.forced429.retryAfter}`, {
        retry_after: chat.forced429.retryAfter,
      });
    }
    if (this.options.limits) this.enforceLimits(chat);
    const text = String((method === "sendPhoto" ? p.caption : p.text) ?? "");
    if (method === "sendMessage" && text.length === 0)
      throw new ApiError(400, "Bad Request: message text is empty");
    let visible = text;
    if (p.parse_mode === "HTML" && chat.rejectHtml) {
      throw new ApiError(
        400,
        'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0',
      );
    }
    if (p.parse_mode === "HTML") {
      const check = telegramParse(text);
      if (!check.ok) throw new ApiError(400, `Bad Request: can't parse entities: ${check.error}`);
      visible = check.text;
    }
    if (method === "sendMessage" && visible.length > 4096)
      throw new ApiError(400, "Bad Request: message is too long");
    if (method === "sendPhoto" && visible.length > 1024)
      throw new ApiError(400, "Bad Request: message caption is too long");
    if (method === "sendPhoto" && chat.photoFails)
      throw new ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified");
    if (p.message_thread_id && chat.type !== "supergroup")
      throw new ApiError(400, "Bad Request: message thread not found");
    const now = Date.now();
    const message: SentMessage = {
      method,
      chatId,
      text,
      at: now,
      messageId: this.nextMessageId++,
      ...(p.message_thread_id ? { threadId: Number(p.message_thread_id) } : {}),
      ...(p.parse_mode ? { parseMode: String(p.parse_mode) } : {}),
      ...(p.photo ? { photo: String(p.photo) } : {}),
      ...(p.disable_notification ? { disableNotification: true } : {}),
      ...(p.allow_paid_broadcast ? { paid: true } : {}),
    };
    this.sent.push(message);
    return { message_id: message.messageId, date: Math.floor(now / 1000), chat: this.chatObject(chat), text };
  }

  /** Telegram's published limits, enforced strictly: the bot must pace itself. */
  private enforceLimits(chat: FakeChat): void {
    const now = Date.now();
    const perChat = this.options.perChatIntervalMs ?? 1000;
    const history = (this.chatSends.get(chat.id) ?? []).filter((t) => t > now - 60_000);
    const last = history[history.length - 1];
    const tooSoon = last !== undefined && now - last < perChat - 50;
    const groupFull = chat.type !== "private" && history.length >= 20;
    this.globalSends = this.globalSends.filter((t) => t > now - 1000);
    const globalFull = this.globalSends.length >= (this.options.globalPerSecond ?? 30);
    if (tooSoon || groupFull || globalFull) {
      this.flood429++;
      const wait = groupFull ? Math.ceil(((history[0] ?? now) + 60_000 - now) / 1000) : 1;
      throw new ApiError(429, `Too Many Requests: retry after ${wait}`, { retry_after: Math.max(1, wait) });
    }
    history.push(now);
    this.chatSends.set(chat.id, history);
    this.globalSends.push(now);
  }
}

class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: Record<string, unknown>,
  ) {
    super(description);
  }
}
