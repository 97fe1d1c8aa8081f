import { type Api, GrammyError, HttpError } from "grammy";
import type { Logger } from "../log.js";
import { type ChatSettings, inQuietHours, type SettingsRepo } from "../store/chat-settings.js";
import type { Delivery, OutboxRepo } from "../store/outbox.js";
import { type SubscriptionRepo, targetKey } from "../store/subscriptions.js";
import { renderLinkList } from "../telegram/digest.js";
import { type Language, type Post, renderPost, SUMMARY_CHARS } from "../telegram/render.js";
import { ChatWindow, createPacer } from "./limits.js";

export interface WorkerDeps {
  api: Api;
  outbox: OutboxRepo;
  subscriptions: SubscriptionRepo;
  settings: SettingsRepo;
  log: Logger;
  /** Digest header in a language: "📰 7 tin mới". */
  digestHeader: (language: Language, count: number) => string;
  timeZone: string;
  defaultLanguage: Language;
  sendRate: number;
  paidBroadcast: boolean;
  digestThreshold: number;
  /** Sends in flight at once (never two to one chat). */
  maxInFlight?: number;
  now?: () => number;
}

export interface WorkerStats {
  sent: number;
  digests: number;
  flood429: number;
  retries: number;
  dropped: number;
  fallbacks: number;
  pending: number;
  inFlight: number;
}

export interface DeliveryWorker {
  /** Loads the outbox (deliveries left by a previous run) and starts sending. */
  start(): Promise<void>;
  /** Queues deliveries that are already persisted in the outbox. */
  add(deliveries: Delivery[]): void;
  /** Settings changed: re-read them before the next send to that chat. */
  invalidate(chatId: number): void;
  /** Stops taking new sends; waits up to `timeoutMs` for those in flight. Pending ones stay in the outbox. */
  stop(timeoutMs: number): Promise<void>;
  /** Resolves when nothing is pending or in flight (tests, --once). */
  drained(): Promise<void>;
  stats(): WorkerStats;
}

interface Target {
  key: string;
  chatId: number;
  threadId?: number | undefined;
  queue: Delivery[];
  window: ChatWindow;
  inFlight: boolean;
  settings?: { value: ChatSettings; at: number } | undefined;
  /** Posts held back by quiet hours go out together as one digest. */
  heldByQuiet: boolean;
}

type Failure =
  | { kind: "flood"; retryAfter: number }
  | { kind: "gone" | "parse" | "photo" | "topic" | "retry"; description: string }
  | { kind: "migrate"; to: number }
  | { kind: "permanent"; description: string };

const GONE =
  /chat not found|bot was kicked|bot was blocked|not a member|have no rights to send|not enough rights|CHAT_WRITE_FORBIDDEN|group chat was deactivated|user is deactivated|CHANNEL_PRIVATE/i;
const PHOTO =
  /wrong file|failed to get HTTP URL|wrong type of the web page|IMAGE_PROCESS_FAILED|PHOTO_|wrong remote file|file must be non-empty|WEBPAGE_/i;
const TOPIC = /message thread not found|TOPIC_CLOSED|TOPIC_DELETED|thread not found/i;

export function classify(error: unknown): Failure {
  if (error instanceof GrammyError) {
    const p = error.parameters ?? {};
    if (error.error_code === 429) return { kind: "flood", retryAfter: p.retry_after ?? 5 };
    if (p.migrate_to_chat_id) return { kind: "migrate", to: p.migrate_to_chat_id };
    if (error.error_code === 403 || GONE.test(error.description))
      return { kind: "gone", description: error.description };
    if (/can't parse entities|unsupported start tag|can't find end tag/i.test(error.description)) {
      return { kind: "parse", description: error.description };
    }
    if (PHOTO.test(error.description)) return { kind: "photo", description: error.description };
    if (TOPIC.test(error.description)) return { kind: "topic", description: error.description };
    if (error.error_code >= 500) return { kind: "retry", description: error.description };
    return { kind: "permanent", description: error.description };
  }
  if (error instanceof HttpError) return { kind: "retry", description: String(error.error) };
  return { kind: "retry", description: String(error) };
}

const SETTINGS_TTL_MS = 60_000;

/**
 * Sends the outbox to Telegram within its flood limits: a global pace, one post per second per
 * chat, 20 per minute per group or channel. A 429 pauses only that chat. Several chats are
 * served at once, one send at a time per chat, round-robin so a big backlog in one chat does
 * not starve the others.
 */
export function createDeliveryWorker(deps: WorkerDeps): DeliveryWorker {
  const log = deps.log.child({ component: "delivery" });
  const now = deps.now ?? Date.now;
  const pacer = createPacer(deps.sendRate, now);
  // Enough sends in flight to keep the pace over a slow network, few enough that a crash can
  // repeat only a handful (a send accepted by Telegram but not yet in the ledger).
  const maxInFlight = deps.maxInFlight ?? Math.max(8, Math.min(16, Math.ceil(deps.sendRate / 10)));
  const targets = new Map<string, Target>();
  const queued = new Set<string>();
  // Counters; `pending` and `inFlight` are read live in stats().
  const stats: Omit<WorkerStats, "pending" | "inFlight"> = {
    sent: 0,
    digests: 0,
    flood429: 0,
    retries: 0,
    dropped: 0,
    fallbacks: 0,
  };
  let inFlight = 0;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let rr = 0;
  let drainWaiters: Array<() => void> = [];
  // One item fanned out to many chats renders the same few posts: render each once.
  const posts = new Map<string, Post>();
  const render = (d: Delivery, opts: Parameters<typeof renderPost>[1]): Post => {
    const key = `${d.item.id}|${opts.language}|${opts.summaryChars}|${opts.withImage}`;
    let post = posts.get(key);
    if (!post) {
      post = renderPost(d.item, opts);
      if (posts.size >= 256) posts.delete(posts.keys().next().value as string);
      posts.set(key, post);
    }
    return post;
  };
  const hourFormat = new Intl.DateTimeFormat("en-GB", {
    timeZone: deps.timeZone,
    hour: "2-digit",
    hourCycle: "h23",
  });
  const hourNow = () => Number(hourFormat.format(now()));

  function target(chatId: number, threadId?: number): Target {
    const key = targetKey(chatId, threadId);
    let t = targets.get(key);
    if (!t) {
      t = {
        key,
        chatId,
        threadId,
        queue: [],
        window: new ChatWindow(chatId < 0),
        inFlight: false,
        heldByQuiet: false,
      };
      targets.set(key, t);
    }
    return t;
  }

  function add(deliveries: Delivery[]): void {
    for (const d of deliveries) {
      if (queued.has(d.key)) continue;
      queued.add(d.key);
      target(d.chatId, d.threadId).queue.push(d);
    }
    schedule();
  }

  function readyAt(t: Target, at: number): number {
    let ready = t.window.readyAt(at);
    const due = t.queue.reduce((m, d) => Math.min(m, d.notBefore), Number.POSITIVE_INFINITY);
    ready = Math.max(ready, due);
    return ready;
  }

  function schedule(): void {
    if (stopping) return;
    if (timer) clearTimeout(timer);
    timer = undefined;
    const at = now();
    const list = [...targets.values()];
    let earliest = Number.POSITIVE_INFINITY;
    for (let k = 0; k < list.length && inFlight < maxInFlight; k++) {
      const i = (rr + k) % list.length;
      const t = list[i] as Target;
      if (t.inFlight || t.queue.length === 0) continue;
      const ready = readyAt(t, at);
      if (ready > at) {
        earliest = Math.min(earliest, ready);
        continue;
      }
      if (pacer.readyAt() > at) {
        earliest = Math.min(earliest, pacer.readyAt());
        break;
      }
      pacer.take();
      rr = (i + 1) % Math.max(1, list.length);
      void dispatch(t);
    }
    if (Number.isFinite(earliest)) timer = setTimeout(schedule, Math.max(1, earliest - now()));
    checkDrained();
  }

  function checkDrained(): void {
    if (queued.size === 0 && inFlight === 0 && drainWaiters.length) {
      const waiters = drainWaiters;
      drainWaiters = [];
      for (const w of waiters) w();
    }
  }

  async function settingsFor(t: Target): Promise<ChatSettings> {
    if (!t.settings || now() - t.settings.at > SETTINGS_TTL_MS) {
      t.settings = { value: await deps.settings.get(t.chatId), at: now() };
    }
    return t.settings.value;
  }

  async function dispatch(t: Target): Promise<void> {
    t.inFlight = true;
    inFlight++;
    try {
      const settings = await settingsFor(t);
      if (inQuietHours(settings, hourNow())) {
        // Hold everything until the quiet window ends, then send it as one digest.
        t.heldByQuiet = true;
        t.window.pausedUntil = now() + 60_000;
        return;
      }
      const at = now();
      const due = t.queue.filter((d) => d.notBefore <= at);
      if (due.length === 0) return;
      t.window.sent(at);
      const asDigest = due.length > deps.digestThreshold || (t.heldByQuiet && due.length > 1);
      t.heldByQuiet = false;
      if (asDigest) await sendDigest(t, due, settings);
      else await sendSingle(t, due[0] as Delivery, settings);
    } catch (error) {
      // Store trouble: keep everything queued and try again shortly.
      log.error({ err: error, chat: t.chatId }, "delivery step failed; will retry");
      t.window.pausedUntil = now() + 5000;
    } finally {
      t.inFlight = false;
      if (t.queue.length === 0) targets.delete(t.key);
      inFlight--;
      schedule();
    }
  }

  function languageOf(settings: ChatSettings): Language {
    return settings.language ?? deps.defaultLanguage;
  }

  function common(t: Target, settings: ChatSettings) {
    return {
      ...(t.threadId ? { message_thread_id: t.threadId } : {}),
      ...(settings.silent ? { disable_notification: true } : {}),
      ...(deps.paidBroadcast ? { allow_paid_broadcast: true } : {}),
    };
  }

  async function sendPost(t: Target, post: Post, settings: ChatSettings, plain = false): Promise<void> {
    const opts = { ...common(t, settings), ...(plain ? {} : { parse_mode: "HTML" as const }) };
    const text = plain ? post.plain : post.text;
    if (post.photo) await deps.api.sendPhoto(t.chatId, post.photo, { ...opts, caption: text });
    else
      await deps.api.sendMessage(t.chatId, text, {
        ...opts,
        link_preview_options: { is_disabled: !settings.previews },
      });
  }

  async function sendSingle(t: Target, d: Delivery, settings: ChatSettings): Promise<void> {
    if (await deps.outbox.isSent(d.key)) return finish(t, [d], "already sent");
    const renderOpts = {
      language: languageOf(settings),
      timeZone: deps.timeZone,
      summaryChars: SUMMARY_CHARS[settings.summary],
      withImage: settings.images,
    };
    let post = render(d, renderOpts);
    let plain = false;
    // At most one fallback per reason: parse → plain text, photo → text message, topic → main chat.
    for (let tries = 0; tries < 4; tries++) {
      try {
        await sendPost(t, post, settings, plain);
        stats.sent++;
        return finish(t, [d]);
      } catch (error) {
        const f = classify(error);
        if (f.kind === "parse" && !plain) {
          log.error(
            { chat: t.chatId, item: d.item.id, description: f.description, html: post.text },
            "BUG: Telegram rejected our HTML; sending as plain text",
          );
          plain = true;
        } else if (f.kind === "photo" && post.photo) {
          log.warn(
            { chat: t.chatId, photo: post.photo, description: f.description },
            "photo refused; sending as text",
          );
          post = render(d, { ...renderOpts, withImage: false });
        } else if (f.kind === "topic" && t.threadId) {
          log.warn({ chat: t.chatId, thread: t.threadId }, "topic is gone; posting to the main chat");
          t.threadId = undefined;
        } else {
          return handleFailure(t, [d], f);
        }
        stats.fallbacks++;
      }
    }
  }

  async function sendDigest(t: Target, due: Delivery[], settings: ChatSettings): Promise<void> {
    const sentAlready = await Promise.all(due.map((d) => deps.outbox.isSent(d.key)));
    const skip = due.filter((_, i) => sentAlready[i]);
    if (skip.length) await finish(t, skip, "already sent");
    const todo = due.filter((_, i) => !sentAlready[i]);
    if (todo.length === 0) return;
    const language = languageOf(settings);
    const list = renderLinkList(
      deps.digestHeader(language, todo.length),
      todo.map((d) => d.item),
      deps.timeZone,
    );
    const batch = todo.slice(0, list.count);
    const text =
      batch.length === todo.length
        ? list.text
        : renderLinkList(
            deps.digestHeader(language, batch.length),
            batch.map((d) => d.item),
            deps.timeZone,
          ).text;
    try {
      await deps.api.sendMessage(t.chatId, text, {
        ...common(t, settings),
        parse_mode: "HTML",
        link_preview_options: { is_disabled: true },
      });
      stats.sent++;
      stats.digests++;
      await finish(t, batch);
    } catch (error) {
      const f = classify(error);
      if (f.kind === "topic" && t.threadId) {
        t.threadId = undefined;
        return;
      }
      await handleFailure(t, batch, f);
    }
  }

  async function finish(t: Target, done: Delivery[], note?: string): Promise<void> {
    await deps.outbox.complete(done);
    forget(t, done);
    if (note) log.info({ chat: t.chatId, count: done.length }, note);
  }

  function forget(t: Target, done: Delivery[]): void {
    const keys = new Set(done.map((d) => d.key));
    t.queue = t.queue.filter((d) => !keys.has(d.key));
    for (const k of keys) queued.delete(k);
    if (t.queue.length === 0 && !t.inFlight) targets.delete(t.key);
  }

  async function handleFailure(t: Target, ds: Delivery[], f: Failure): Promise<void> {
    const at = now();
    switch (f.kind) {
      case "flood":
        stats.flood429++;
        t.window.pausedUntil = at + f.retryAfter * 1000;
        log.warn({ chat: t.chatId, retryAfter: f.retryAfter }, "429: pausing this chat");
        return;
      case "gone": {
        const removed = await deps.subscriptions.removeChat(t.chatId);
        await deps.settings.remove(t.chatId);
        const all = [...targets.values()].filter((x) => x.chatId === t.chatId);
        const lost = all.flatMap((x) => x.queue);
        await deps.outbox.drop(lost, "chat gone");
        for (const x of all) forget(x, x.queue);
        stats.dropped += lost.length;
        log.warn(
          { chat: t.chatId, removed, dropped: lost.length, reason: f.description },
          "chat is gone: subscriptions removed",
        );
        return;
      }
      case "migrate": {
        await deps.subscriptions.moveChat(t.chatId, f.to);
        await deps.settings.move(t.chatId, f.to);
        const moved = await deps.outbox.moveChat(t.chatId, f.to);
        for (const x of [...targets.values()].filter((x) => x.chatId === t.chatId)) forget(x, x.queue);
        log.info(
          { from: t.chatId, to: f.to, pending: moved.length },
          "group migrated to a supergroup: subscriptions moved",
        );
        add(moved);
        return;
      }
      case "retry":
        for (const d of ds) {
          d.attempts++;
          d.notBefore = at + Math.min(2 ** d.attempts * 1000, 300_000);
          await deps.outbox.update(d);
        }
        stats.retries++;
        log.warn(
          { chat: t.chatId, attempts: ds[0]?.attempts, reason: f.description },
          "send failed; will retry",
        );
        return;
      case "parse":
      case "photo":
      case "topic":
      case "permanent":
        await deps.outbox.drop(ds, `failed: ${f.description}`);
        forget(t, ds);
        stats.dropped += ds.length;
        log.error(
          { chat: t.chatId, items: ds.map((d) => d.item.id), reason: f.description },
          "Telegram refused the post for good",
        );
        return;
    }
  }

  return {
    async start() {
      stopping = false;
      const pending = await deps.outbox.pending();
      if (pending.length) log.info({ pending: pending.length }, "resuming deliveries left in the outbox");
      add(pending);
    },
    add,
    invalidate(chatId) {
      for (const t of targets.values()) if (t.chatId === chatId) t.settings = undefined;
    },
    async stop(timeoutMs) {
      stopping = true;
      if (timer) clearTimeout(timer);
      const deadline = now() + timeoutMs;
      while (inFlight > 0 && now() < deadline) await new Promise((r) => setTimeout(r, 20));
      if (inFlight > 0) log.warn({ inFlight }, "stopped with sends in flight; they stay in the outbox");
    },
    drained() {
      return new Promise<void>((resolve) => {
        drainWaiters.push(resolve);
        checkDrained();
      });
    },
    stats: () => ({ ...stats, pending: queued.size, inFlight }),
  };
}
