import http from "node:http";
import type { AddressInfo } from "node:net";
import { telegramParse } from "./telegram-html.js";

/**
 * A fake Telegram Bot API server on 127.0.0.1, reached through grammY's `apiRoot`. It answers
 * like Telegram, errors included: flood limits with 429 + retry_after (1/s per chat, 20/min per
 * group or channel, a global rate), 403 for kicked bots, group → supergroup migration, HTML
 * parse errors, length limits, and scripted failures.
 *
 * "Send-like" calls are sendMessage, sendPhoto, editMessageText and editMessageCaption: they share
 * the flood limits, hangs, the forced global 429 and the flood-discipline accounting.
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
  /** The next `times` sends or edits to this chat answer 429 with this retry_after. */
  forced429?: { times: number; retryAfter: number };
  photoFails?: boolean;
  /** Answer every HTML message with a parse error (as for a formatting bug). */
  rejectHtml?: boolean;
  /** Simulated time Telegram takes to answer a send (ms). */
  latencyMs?: number;
  /** The bot may send text but not photos: sendPhoto answers 400 "not enough rights to send photos". */
  noPhotoRights?: boolean;
  /** The bot may not send text: sendMessage answers 400 "not enough rights to send text messages". */
  noTextRights?: boolean;
  /** Send-like calls to this chat never answer while set (the client must time out); cleared → they go on. */
  hang?: boolean;
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
  /** Set by editMessageText/editMessageCaption (which also replace `text` with the new one). */
  editedAt?: number;
  /** Set by deleteMessage; the record stays in `sent`, but can no longer be edited. */
  deleted?: boolean;
}

/** One editMessageText / editMessageCaption / deleteMessage that Telegram accepted. */
export interface EditRecord {
  method: "editMessageText" | "editMessageCaption" | "deleteMessage";
  chatId: number;
  messageId: number;
  /** The new text or caption (undefined for deleteMessage). */
  text?: string;
  /** The text or caption before the edit. */
  previousText: string;
  parseMode?: string;
  at: number;
}

/** One answerCallbackQuery call. */
export interface CallbackAnswer {
  callbackQueryId: string;
  text?: string;
  showAlert?: boolean;
  url?: string;
  at: number;
}

/** A file users sent to the bot (addFile): served by getFile and the file endpoint. */
export interface FakeFile {
  fileId: string;
  fileUniqueId: string;
  fileName: string;
  mimeType?: string;
  content: Buffer;
  /** Where the file endpoint serves it: `/file/bot<token>/<path>`. */
  path: string;
}

/** One sendDocument Telegram accepted (multipart upload or a file_id). */
export interface SentDocument {
  chatId: number;
  fileName: string;
  content: Buffer;
  caption?: string;
  messageId: number;
  at: number;
}

/** A 429 the server answered: Telegram's announcement that nothing may be sent before `until`. */
export interface Flood429 {
  at: number;
  retryAfter: number;
  /** at + retryAfter seconds. */
  until: number;
  method: string;
}

/** A send-like call that arrived while an announced retry_after had not yet elapsed. */
export interface FloodViolation {
  chatId: number;
  method: string;
  at: number;
  /** "chat": inside that chat's last 429 window; "global": inside a global one (forceGlobal429). */
  scope: "chat" | "global";
  /** When the window it broke ends. */
  until: number;
}

/** What setWebhook recorded. */
export interface WebhookInfo {
  url: string;
  secretToken?: string;
  allowedUpdates?: string[];
  maxConnections?: number;
  dropPendingUpdates?: boolean;
  at: number;
}

export interface FakeTelegramOptions {
  /** Enforce Telegram's flood limits. */
  limits?: boolean;
  /** Global messages per second before 429 (Telegram: about 30). */
  globalPerSecond?: number;
  /** Allow short bursts per chat, as Telegram does, before answering 429. */
  perChatIntervalMs?: number;
  latencyMs?: number;
  /** Initial value of the `hangSends` field: every send-like call hangs. */
  hangSends?: boolean;
  /** Slack for timer jitter when judging flood violations (ms; default 5). */
  floodToleranceMs?: number;
}

const SEND_LIKE = new Set(["sendMessage", "sendPhoto", "editMessageText", "editMessageCaption"]);

/** A request held by `hang`/`hangSends`: released with true (go on) or false (abandon: closed). */
interface HungRequest {
  chat: FakeChat;
  release: (go: boolean) => void;
}

export class FakeTelegram {
  readonly chats = new Map<number, FakeChat>();
  readonly sent: SentMessage[] = [];
  readonly calls: Array<{ method: string; params: Record<string, unknown> }> = [];
  readonly commands: Array<Record<string, unknown>> = [];
  flood429 = 0;
  /** Accepted edits and deletes, in order. */
  readonly edits: EditRecord[] = [];
  /** Every answerCallbackQuery call, in order. */
  readonly callbackAnswers: CallbackAnswer[] = [];
  /** Send-like calls that arrived inside an announced retry_after window (see violationLog). */
  violations = 0;
  /** Details of each violation, in order. */
  readonly violationLog: FloodViolation[] = [];
  /** The last 429 answered for each chat. */
  readonly last429 = new Map<number, Flood429>();
  /** The last global 429 answered (forceGlobal429). */
  lastGlobal429?: Flood429;
  /** Every send-like call hangs while true (toggle at run time; cleared → held calls go on). */
  hangSends: boolean;
  /** Files users sent (addFile), by file_id; and every file endpoint request, by path. */
  readonly files = new Map<string, FakeFile>();
  readonly fileDownloads: string[] = [];
  /** Every document the bot sent (sendDocument), with its bytes. */
  readonly documents: SentDocument[] = [];
  /** The webhook set by setWebhook; undefined when none (deleteWebhook clears it). */
  webhook?: WebhookInfo;
  private updates: unknown[] = [];
  private nextUpdateId = 1;
  private nextMessageId = 1;
  private waiters: Array<() => void> = [];
  private server?: http.Server;
  private chatSends = new Map<number, number[]>();
  private globalSends: number[] = [];
  /** Live (not deleted) bot messages by message_id, and every sent message by chat: O(1) lookups. */
  private byId = new Map<number, SentMessage>();
  private byChat = new Map<number, SentMessage[]>();
  /** message_id → the inline keyboard (JSON) it carries now, for "message is not modified". */
  private markup = new Map<number, string>();
  /** Calls held by `hang`/`hangSends`, and the one poll that releases them. */
  private hung = new Set<HungRequest>();
  private hangTimer?: NodeJS.Timeout;
  /** The window set by forceGlobal429. */
  private forced429?: { retryAfter: number; until: number };
  private nextCallbackId = 1;
  /** Set by close(): a call that would hang is abandoned at once. */
  private closing = false;
  port = 0;

  constructor(readonly options: FakeTelegramOptions = {}) {
    this.hangSends = options.hangSends ?? false;
  }

  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    // Several bot processes at once: a deep accept queue (Node sets no cap on connections).
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", 2048, resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const w of this.waiters) w();
    // Hung sends are abandoned (their connections are destroyed below), so close() always ends.
    for (const h of [...this.hung]) h.release(false);
    this.stopHangTimer();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  addChat(chat: Partial<FakeChat> & Pick<FakeChat, "id" | "type">): FakeChat {
    const full: FakeChat = { members: new Map(), ...chat };
    this.chats.set(full.id, full);
    return full;
  }

  /** Queues an update for getUpdates, or, with a webhook set, posts it there (as Telegram does). */
  push(update: Record<string, unknown>): void {
    const full = { update_id: this.nextUpdateId++, ...update };
    if (this.webhook) {
      void this.deliver(full);
      return;
    }
    this.updates.push(full);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /**
   * Every webhook POST made: the update id, the URL it went to, the HTTP status (0: no answer
   * in time or the connection failed), and when.
   */
  readonly webhookPosts: Array<{ updateId: number; url: string; status: number; at: number }> = [];
  /**
   * Where the n-th webhook POST goes (a load balancer in front of several instances); default:
   * the registered URL.
   */
  webhookRoute?: (url: string, n: number) => string;

  /** Posts one update to the webhook once; the status it got (0 for none within `timeoutMs`). */
  async postWebhook(
    update: Record<string, unknown>,
    opts: { secret?: string | null; url?: string; timeoutMs?: number } = {},
  ): Promise<number> {
    const registered = this.webhook?.url ?? "";
    const url = opts.url ?? this.webhookRoute?.(registered, this.webhookPosts.length) ?? registered;
    const secret = opts.secret === undefined ? this.webhook?.secretToken : opts.secret;
    let status = 0;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(secret ? { "x-telegram-bot-api-secret-token": secret } : {}),
        },
        body: JSON.stringify(update),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
      });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      status = 0;
    }
    this.webhookPosts.push({ updateId: Number(update.update_id), url, status, at: Date.now() });
    return status;
  }

  /** Telegram's delivery: again and again (another instance, perhaps) until an answer is 2xx. */
  private async deliver(update: Record<string, unknown>): Promise<void> {
    for (let attempt = 0; attempt < 50 && !this.closing; attempt++) {
      const status = await this.postWebhook(update);
      if (status >= 200 && status < 300) return;
      await new Promise((r) => setTimeout(r, 200));
    }
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

  /** Keeps a file as if a user had uploaded it; returns its Bot API Document object. */
  addFile(content: Buffer | string, fileName: string, mimeType?: string): Record<string, unknown> {
    const n = this.files.size + 1;
    const file: FakeFile = {
      fileId: `doc-${n}`,
      fileUniqueId: `doc-u-${n}`,
      fileName,
      content: Buffer.isBuffer(content) ? content : Buffer.from(content),
      path: `documents/file_${n}${/\.[\w]+$/.exec(fileName)?.[0] ?? ""}`,
      ...(mimeType ? { mimeType } : {}),
    };
    this.files.set(file.fileId, file);
    return {
      file_id: file.fileId,
      file_unique_id: file.fileUniqueId,
      file_name: fileName,
      file_size: file.content.length,
      ...(mimeType ? { mime_type: mimeType } : {}),
    };
  }

  /** A message carrying a document from a user (see addFile); returns the message object. */
  documentMessage(
    chatId: number,
    fromId: number,
    document: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ): Record<string, unknown> {
    const chat = this.chats.get(chatId);
    const message = {
      message_id: this.nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: this.chatObject(
        chat ?? { id: chatId, type: chatId > 0 ? "private" : "group", members: new Map() },
      ),
      from: { id: fromId, is_bot: false, first_name: `User${fromId}`, language_code: "vi" },
      document,
      ...extra,
    };
    this.push({ message });
    return message;
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

  /** A callback_query update: a user pressed an inline button under a bot message; returns its id. */
  callbackQuery(chatId: number, fromId: number, data: string, messageId?: number): string {
    const chat = this.chats.get(chatId) ?? {
      id: chatId,
      type: chatId > 0 ? ("private" as const) : ("group" as const),
      members: new Map(),
    };
    // The message the button is under: the one given, else the bot's latest message in the chat.
    const own = messageId !== undefined ? this.byId.get(messageId) : this.messagesFromBot(chatId).at(-1);
    const id = String(this.nextCallbackId++);
    this.push({
      callback_query: {
        id,
        from: { id: fromId, is_bot: false, first_name: `User${fromId}`, language_code: "vi" },
        chat_instance: String(chatId),
        data,
        message: {
          message_id: own?.messageId ?? messageId ?? this.nextMessageId++,
          date: Math.floor((own?.at ?? Date.now()) / 1000),
          chat: this.chatObject(chat),
          from: { id: BOT_ID, is_bot: true, first_name: "bantin", username: "bantin_test_bot" },
          ...(own?.photo ? { caption: own.text, photo: this.photoSizes() } : { text: own?.text ?? "" }),
          ...(own && this.markup.has(own.messageId)
            ? { reply_markup: JSON.parse(this.markup.get(own.messageId) as string) }
            : {}),
        },
      },
    });
    return id;
  }

  /** Everything sent to a chat, in order (deleted messages included, edited ones with their new text). */
  sentTo(chatId: number): SentMessage[] {
    return [...(this.byChat.get(chatId) ?? [])];
  }

  /** The bot's messages currently in a chat: sent, not deleted, with edits applied. */
  messagesFromBot(chatId: number): SentMessage[] {
    return (this.byChat.get(chatId) ?? []).filter((m) => !m.deleted);
  }

  /** For `forMs` from now, every send-like call gets 429 with retry_after `retryAfterS` (a global limit). */
  forceGlobal429(retryAfterS: number, forMs: number): void {
    this.forced429 = { retryAfter: retryAfterS, until: Date.now() + forMs };
  }

  /** Send-like calls currently held by `hang`/`hangSends`. */
  get hanging(): number {
    return this.hung.size;
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
    // The file endpoint, as Telegram serves it: GET /file/bot<token>/<file_path>.
    const fileMatch = /^\/file\/bot([^/]+)\/(.+)$/.exec(req.url ?? "");
    if (fileMatch) {
      this.fileDownloads.push(fileMatch[2] as string);
      const file = [...this.files.values()].find((f) => f.path === fileMatch[2]);
      if (fileMatch[1] !== TOKEN || !file) return void res.writeHead(404).end("Not Found");
      return void res
        .writeHead(200, { "content-type": file.mimeType ?? "application/octet-stream" })
        .end(file.content);
    }
    const reply = (status: number, body: unknown) => {
      if (res.destroyed) return;
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    if (!match || match[1] !== TOKEN)
      return reply(401, { ok: false, error_code: 401, description: "Unauthorized" });
    const method = match[2] as string;
    let params: Record<string, unknown> = {};
    const raw = Buffer.concat(chunks).toString();
    const type = String(req.headers["content-type"] ?? "");
    if (type.startsWith("multipart/form-data")) {
      params = parseMultipart(Buffer.concat(chunks), type);
      // grammY sends an InputFile as `attach://<id>` with the bytes in the part named <id>.
      for (const [key, value] of Object.entries(params))
        if (typeof value === "string" && value.startsWith("attach://")) params[key] = params[value.slice(9)];
    } else if (raw) {
      try {
        params = JSON.parse(raw);
      } catch {
        params = Object.fromEntries(new URLSearchParams(raw));
      }
    }
    this.calls.push({ method, params });
    try {
      const result = await this.dispatch(method, params, req, res);
      if (result === ABANDONED) return;
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
    res: http.ServerResponse,
  ): Promise<unknown> {
    if (SEND_LIKE.has(method)) this.checkDiscipline(method, Number(p.chat_id));
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
      case "setMyCommands":
        this.commands.push(p);
        return true;
      case "setWebhook":
        this.webhook = {
          url: String(p.url ?? ""),
          at: Date.now(),
          ...(p.secret_token ? { secretToken: String(p.secret_token) } : {}),
          ...(Array.isArray(p.allowed_updates) ? { allowedUpdates: p.allowed_updates.map(String) } : {}),
          ...(p.max_connections ? { maxConnections: Number(p.max_connections) } : {}),
          ...(p.drop_pending_updates ? { dropPendingUpdates: true } : {}),
        };
        if (!this.webhook.url) this.webhook = undefined;
        return true;
      case "deleteWebhook":
        // Pending updates are kept even with drop_pending_updates, as before.
        this.webhook = undefined;
        return true;
      case "getWebhookInfo":
        return {
          url: this.webhook?.url ?? "",
          has_custom_certificate: false,
          pending_update_count: this.updates.length,
          ...(this.webhook?.maxConnections ? { max_connections: this.webhook.maxConnections } : {}),
          ...(this.webhook?.allowedUpdates ? { allowed_updates: this.webhook.allowedUpdates } : {}),
        };
      case "getUpdates":
        if (this.webhook)
          throw new ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
          );
        return this.getUpdates(p, req);
      case "answerCallbackQuery":
        this.callbackAnswers.push({
          callbackQueryId: String(p.callback_query_id ?? ""),
          at: Date.now(),
          ...(p.text !== undefined ? { text: String(p.text) } : {}),
          ...(p.show_alert !== undefined ? { showAlert: Boolean(p.show_alert) } : {}),
          ...(p.url !== undefined ? { url: String(p.url) } : {}),
        });
        return true;
      case "editMessageReplyMarkup": {
        // Still true for any message (as before); remembered for messages the fake knows.
        const known = this.byId.get(Number(p.message_id));
        if (known && known.chatId === Number(p.chat_id)) this.rememberMarkup(known.messageId, p.reply_markup);
        return true;
      }
      case "editMessageText":
      case "editMessageCaption":
        return this.edit(method, p, res);
      case "deleteMessage":
        return this.deleteMessage(p);
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
        return this.send(method, p, res);
      case "getFile": {
        const file = this.files.get(String(p.file_id ?? ""));
        if (!file) throw new ApiError(400, "Bad Request: invalid file_id");
        return {
          file_id: file.fileId,
          file_unique_id: file.fileUniqueId,
          file_size: file.content.length,
          file_path: file.path,
        };
      }
      case "sendDocument":
        return this.sendDocument(p);
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

  private async send(method: string, p: Record<string, unknown>, res: http.ServerResponse): Promise<unknown> {
    const chatId = Number(p.chat_id);
    const chat = this.chats.get(chatId);
    if (!chat) throw new ApiError(400, "Bad Request: chat not found");
    if (!(await this.arrive(chat, method, res))) return ABANDONED;
    if (chat.migrateTo) {
      throw new ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat", {
        migrate_to_chat_id: chat.migrateTo,
      });
    }
    if (method === "sendMessage" && chat.noTextRights)
      throw new ApiError(400, "Bad Request: not enough rights to send text messages to the chat");
    if (method === "sendPhoto" && chat.noPhotoRights)
      throw new ApiError(400, "Bad Request: not enough rights to send photos to the chat");
    if (chat.fail5xx && chat.fail5xx > 0) {
      chat.fail5xx--;
      throw new ApiError(502, "Bad Gateway");
    }
    if (chat.forced429 && chat.forced429.times > 0) {
      chat.forced429.times--;
      throw this.floodError(method, chat.id, chat.forced429.retryAfter, false);
    }
    if (this.options.limits) this.enforceLimits(chat, method);
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
    this.record(message, p.reply_markup);
    return { message_id: message.messageId, date: Math.floor(now / 1000), chat: this.chatObject(chat), text };
  }

  /** sendDocument: an upload (multipart: see handle) or a file_id the fake knows; recorded in `documents` and `sent`. */
  private sendDocument(p: Record<string, unknown>): unknown {
    const chatId = Number(p.chat_id);
    const chat = this.chats.get(chatId);
    if (!chat) throw new ApiError(400, "Bad Request: chat not found");
    if (chat.kicked) throw new ApiError(403, "Forbidden: bot was blocked by the user");
    const upload = p.document as { fileName?: string; content?: Buffer } | string | undefined;
    const known = typeof upload === "string" ? this.files.get(upload) : undefined;
    const content = typeof upload === "object" ? upload.content : known?.content;
    if (!content) throw new ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified");
    if (content.length === 0) throw new ApiError(400, "Bad Request: file must be non-empty");
    const caption = p.caption === undefined ? undefined : String(p.caption);
    if (caption && caption.length > 1024) throw new ApiError(400, "Bad Request: message caption is too long");
    const fileName = (typeof upload === "object" ? upload.fileName : known?.fileName) ?? "document";
    const now = Date.now();
    const message: SentMessage = {
      method: "sendDocument",
      chatId,
      text: caption ?? "",
      at: now,
      messageId: this.nextMessageId++,
    };
    this.record(message, p.reply_markup);
    this.documents.push({
      chatId,
      fileName,
      content,
      messageId: message.messageId,
      at: now,
      ...(caption ? { caption } : {}),
    });
    return {
      message_id: message.messageId,
      date: Math.floor(now / 1000),
      chat: this.chatObject(chat),
      document: {
        file_id: `sent-${message.messageId}`,
        file_unique_id: `sent-u-${message.messageId}`,
        file_name: fileName,
      },
      ...(caption ? { caption } : {}),
    };
  }

  /** Appends to `sent` and the indexes (O(1)). */
  private record(message: SentMessage, replyMarkup: unknown): void {
    this.sent.push(message);
    this.byId.set(message.messageId, message);
    const list = this.byChat.get(message.chatId);
    if (list) list.push(message);
    else this.byChat.set(message.chatId, [message]);
    this.rememberMarkup(message.messageId, replyMarkup);
  }

  private rememberMarkup(messageId: number, replyMarkup: unknown): void {
    if (replyMarkup === undefined || replyMarkup === null) this.markup.delete(messageId);
    else
      this.markup.set(messageId, typeof replyMarkup === "string" ? replyMarkup : JSON.stringify(replyMarkup));
  }

  /**
   * What every send-like call to a known chat goes through first, in this order: hang, latency,
   * the forced global 429, a kicked bot. Resolves false when a hung call was abandoned.
   */
  private async arrive(chat: FakeChat, method: string, res: http.ServerResponse): Promise<boolean> {
    if (chat.hang || this.hangSends) {
      if (!(await this.holdWhileHung(chat, res))) return false;
    }
    const latency = chat.latencyMs ?? this.options.latencyMs ?? 0;
    if (latency) await new Promise((r) => setTimeout(r, latency));
    if (this.forced429 && Date.now() < this.forced429.until)
      throw this.floodError(method, chat.id, this.forced429.retryAfter, true);
    if (chat.kicked)
      throw new ApiError(
        403,
        chat.type === "private"
          ? "Forbidden: bot was blocked by the user"
          : "Forbidden: bot was kicked from the group chat",
      );
    return true;
  }

  /** editMessageText / editMessageCaption on a message the fake recorded in `sent`. */
  private async edit(
    method: "editMessageText" | "editMessageCaption",
    p: Record<string, unknown>,
    res: http.ServerResponse,
  ): Promise<unknown> {
    const chatId = Number(p.chat_id);
    const chat = this.chats.get(chatId);
    if (!chat) throw new ApiError(400, "Bad Request: chat not found");
    if (!(await this.arrive(chat, method, res))) return ABANDONED;
    const message = this.byId.get(Number(p.message_id));
    if (!message || message.chatId !== chatId)
      throw new ApiError(400, "Bad Request: message to edit not found");
    if (method === "editMessageText" && message.photo)
      throw new ApiError(400, "Bad Request: there is no text in the message to edit");
    if (method === "editMessageCaption" && !message.photo)
      throw new ApiError(400, "Bad Request: there is no caption in the message to edit");
    // Edits count against the chat's flood limit like sends.
    if (chat.forced429 && chat.forced429.times > 0) {
      chat.forced429.times--;
      throw this.floodError(method, chat.id, chat.forced429.retryAfter, false);
    }
    if (this.options.limits) this.enforceLimits(chat, method);
    const text = String((method === "editMessageCaption" ? p.caption : p.text) ?? "");
    if (method === "editMessageText" && text.length === 0)
      throw new ApiError(400, "Bad Request: message text is empty");
    let visible = text;
    if (p.parse_mode === "HTML") {
      const check = telegramParse(text);
      if (!check.ok) throw new ApiError(400, `Bad Request: can't parse entities: ${check.error}`);
      visible = check.text;
    }
    if (method === "editMessageText" && visible.length > 4096)
      throw new ApiError(400, "Bad Request: message is too long");
    if (method === "editMessageCaption" && visible.length > 1024)
      throw new ApiError(400, "Bad Request: message caption is too long");
    const markup =
      p.reply_markup === undefined
        ? undefined
        : typeof p.reply_markup === "string"
          ? p.reply_markup
          : JSON.stringify(p.reply_markup);
    // Leaving out reply_markup removes a keyboard, so that too is a change.
    const sameMarkup = markup === this.markup.get(message.messageId);
    if (text === message.text && (p.parse_mode ?? undefined) === message.parseMode && sameMarkup)
      throw new ApiError(
        400,
        "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
      );
    const now = Date.now();
    this.edits.push({
      method,
      chatId,
      messageId: message.messageId,
      text,
      previousText: message.text,
      at: now,
      ...(p.parse_mode ? { parseMode: String(p.parse_mode) } : {}),
    });
    message.text = text;
    message.editedAt = now;
    if (p.parse_mode) message.parseMode = String(p.parse_mode);
    else delete message.parseMode;
    // Telegram drops an inline keyboard that the edit does not repeat.
    this.rememberMarkup(message.messageId, p.reply_markup);
    return {
      message_id: message.messageId,
      date: Math.floor(message.at / 1000),
      edit_date: Math.floor(now / 1000),
      chat: this.chatObject(chat),
      ...(message.photo ? { photo: this.photoSizes(), caption: text } : { text }),
      ...(p.reply_markup !== undefined ? { reply_markup: this.markupObject(message.messageId) } : {}),
    };
  }

  /** deleteMessage on a message the fake recorded in `sent`. */
  private deleteMessage(p: Record<string, unknown>): true {
    const chatId = Number(p.chat_id);
    if (!this.chats.has(chatId)) throw new ApiError(400, "Bad Request: chat not found");
    const message = this.byId.get(Number(p.message_id));
    if (!message || message.chatId !== chatId)
      throw new ApiError(400, "Bad Request: message to delete not found");
    message.deleted = true;
    this.byId.delete(message.messageId);
    this.markup.delete(message.messageId);
    this.edits.push({
      method: "deleteMessage",
      chatId,
      messageId: message.messageId,
      previousText: message.text,
      at: Date.now(),
    });
    return true;
  }

  private markupObject(messageId: number): unknown {
    const raw = this.markup.get(messageId);
    return raw === undefined ? undefined : JSON.parse(raw);
  }

  private photoSizes(): unknown[] {
    return [{ file_id: "fake-photo", file_unique_id: "fake-photo-u", width: 640, height: 360 }];
  }

  /** Counts a send-like call that arrives while a 429 it was told about has not yet elapsed. */
  private checkDiscipline(method: string, chatId: number): void {
    const at = Date.now();
    const now = at + (this.options.floodToleranceMs ?? 5);
    const chatWindow = this.last429.get(chatId);
    const scope =
      chatWindow && now < chatWindow.until
        ? "chat"
        : this.lastGlobal429 && now < this.lastGlobal429.until
          ? "global"
          : undefined;
    if (!scope) return;
    this.violations++;
    const until = (scope === "chat" ? chatWindow?.until : this.lastGlobal429?.until) ?? 0;
    this.violationLog.push({ chatId, method, at, scope, until });
  }

  /** A 429 with its retry_after, remembered as a window for that chat (and globally when `global`). */
  private floodError(method: string, chatId: number, retryAfter: number, global: boolean): ApiError {
    this.flood429++;
    const at = Date.now();
    const window: Flood429 = { at, retryAfter, until: at + retryAfter * 1000, method };
    this.last429.set(chatId, window);
    if (global) this.lastGlobal429 = window;
    return new ApiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
  }

  /** Holds a hung call until `hang`/`hangSends` is cleared (true) or the client or server goes (false). */
  private holdWhileHung(chat: FakeChat, res: http.ServerResponse): Promise<boolean> {
    if (this.closing) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const onClose = () => entry.release(false);
      const entry: HungRequest = {
        chat,
        release: (go) => {
          if (!this.hung.delete(entry)) return;
          res.off("close", onClose);
          if (!go && !res.destroyed) res.destroy();
          if (this.hung.size === 0) this.stopHangTimer();
          resolve(go);
        },
      };
      this.hung.add(entry);
      res.once("close", onClose);
      // One shared poll for all hung calls, so flags can be plain fields.
      if (!this.hangTimer) {
        this.hangTimer = setInterval(() => {
          for (const h of [...this.hung]) if (!h.chat.hang && !this.hangSends) h.release(true);
        }, 10);
        this.hangTimer.unref();
      }
    });
  }

  private stopHangTimer(): void {
    if (this.hangTimer) clearInterval(this.hangTimer);
    this.hangTimer = undefined;
  }

  /** Telegram's published limits, enforced strictly: the bot must pace itself. */
  private enforceLimits(chat: FakeChat, method: string): void {
    const now = Date.now();
    const perChat = this.options.perChatIntervalMs ?? 1000;
    const history = (this.chatSends.get(chat.id) ?? []).filter((t) => t > now - 60_000);
    const last = history[history.length - 1];
    const tooSoon = last !== undefined && now - last < perChat - 50;
    const groupFull = chat.type !== "private" && history.length >= 20;
    this.globalSends = this.globalSends.filter((t) => t > now - 1000);
    const globalFull = this.globalSends.length >= (this.options.globalPerSecond ?? 30);
    if (tooSoon || groupFull || globalFull) {
      const wait = groupFull ? Math.ceil(((history[0] ?? now) + 60_000 - now) / 1000) : 1;
      // Telegram's 429 names no scope, so even one caused by the global rate counts for the chat.
      throw this.floodError(method, chat.id, Math.max(1, wait), false);
    }
    history.push(now);
    this.chatSends.set(chat.id, history);
    this.globalSends.push(now);
  }
}

/** dispatch() result for a hung call whose client or server went away: nothing to answer. */
const ABANDONED = Symbol("abandoned");

class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: Record<string, unknown>,
  ) {
    super(description);
  }
}

/**
 * multipart/form-data as grammY writes it (`content-disposition:form-data;name="x";filename=y`,
 * no spaces, the file name unquoted, which undici's strict parser refuses): text fields as
 * strings, file parts as { fileName, content }.
 */
function parseMultipart(body: Buffer, contentType: string): Record<string, unknown> {
  const boundary = /boundary=("?)([^";]+)\1/i.exec(contentType)?.[2];
  const out: Record<string, unknown> = {};
  if (!boundary) return out;
  // latin1 keeps one char per byte, so the parts' bytes come back exactly.
  for (const part of body.toString("latin1").split(`--${boundary}`)) {
    const split = part.indexOf("\r\n\r\n");
    if (split < 0) continue;
    const head = part.slice(0, split);
    const name = /name="([^"]*)"/i.exec(head)?.[1];
    if (!name) continue;
    const content = Buffer.from(part.slice(split + 4).replace(/\r\n$/, ""), "latin1");
    const fileName = /filename=(?:"([^"]*)"|([^;\r\n]+))/i.exec(head);
    out[name] = fileName ? { fileName: fileName[1] ?? fileName[2], content } : content.toString("utf8");
  }
  return out;
}
