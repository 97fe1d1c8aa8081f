import type { Api } from "grammy";
import {
  BULLETIN_MAX_PERIOD_MS,
  bulletinTimes,
  latestSlot,
  type Slot,
  type SlotPart,
} from "../domain/bulletin.js";
import type { Language } from "../domain/types.js";
import type { Logger } from "../log.js";
import type { BulletinKey, BulletinRepo, BulletinTarget } from "../store/bulletins.js";
import type { ItemsRepo, SettingsRepo, SubscriptionRepo } from "../store/repos.js";
import type { LinkList } from "../telegram/digest.js";
import { composeBulletin, type LeadCache } from "./bulletin-content.js";
import { classify, type Failure } from "./classify.js";

export interface BulletinDeps {
  /** The posts' Api: its transformer takes each send's slot from the flood budget. */
  api: Api;
  bulletins: BulletinRepo;
  items: Pick<ItemsRepo, "byIds">;
  subscriptions: Pick<SubscriptionRepo, "removeChat" | "moveChat">;
  settings: Pick<SettingsRepo, "remove" | "move">;
  log: Logger;
  /** "☀️ Bản tin sáng 02/12/2026" in a language. */
  header: (language: Language, part: SlotPart, date: string) => string;
  /** The zone of a chat that chose none (TIMEZONE). */
  timeZone: string;
  defaultLanguage: Language;
  paidBroadcast: boolean;
  /** Who claims (this instance's id). */
  owner: string;
  /** A claim outlives the longest send (the API timeout). */
  claimTtlMs: number;
  /** Stories in one bulletin at most (BULLETIN_MAX). */
  maxStories: number;
  /** When the flood budget lets this chat be sent to (a 429 pause); undefined: always. */
  chatReadyAt?: (chatId: number) => number;
  /** How often slots are checked. */
  everyMs?: number;
  now?: () => number;
}

export interface BulletinScheduler {
  /** Checks every target's latest slot now and sends what is owed; returns how many went out. */
  tick(): Promise<number>;
  /** A tick now (a missed slot goes out late, once), then every `everyMs`. */
  start(): void;
  /** No new tick; waits for the one running. */
  stop(): Promise<void>;
}

/** Sends of one slot tried at most this often (network trouble, 5xx); then it is given up. */
const MAX_ATTEMPTS = 6;
/** A chat the flood budget holds for longer than this is skipped until a later tick. */
const BUSY_CHAT_MS = 10_000;

/**
 * The bulletin: at each of a chat's slots (06:30 and 18:30 in its zone by default), the top
 * stories since its last bulletin, as one message. The slot's row in the database (a unique
 * key per chat, topic and slot) decides who sends it: after a restart, a standby's take-over
 * or with several instances, each slot goes out once. Only the newest slot is ever owed, so
 * downtime over several slots brings one late bulletin, not a burst of them.
 */
export function createBulletinScheduler(deps: BulletinDeps): BulletinScheduler {
  const log = deps.log.child({ component: "bulletin" });
  const now = deps.now ?? Date.now;
  const everyMs = deps.everyMs ?? 30_000;
  /** Slots known to be done here: no statement for them on the next ticks. */
  const done = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = false;

  async function tick(): Promise<number> {
    const at = now();
    const targets = await deps.bulletins.targets();
    const leads: LeadCache = new Map();
    let sent = 0;
    for (const target of targets) {
      if (stopped) break;
      try {
        const zone = target.settings.timeZone ?? deps.timeZone;
        const slot = latestSlot(bulletinTimes(target.settings), zone, at);
        if (!slot || slot.at <= (target.settings.bulletinSince ?? 0)) continue;
        const key = { chatId: target.chatId, threadId: target.threadId, slotAt: slot.at };
        const id = `${key.chatId}:${key.threadId}:${key.slotAt}`;
        if (done.has(id)) continue;
        // A chat Telegram paused (429), or with a long line of sends before it, is not waited
        // for here, holding up every other chat: its slot stays owed and a later tick takes
        // it. (The budget keeps real time.)
        if ((deps.chatReadyAt?.(target.chatId) ?? 0) > Date.now() + BUSY_CHAT_MS) continue;
        const claim = await deps.bulletins.claim(key, deps.owner, now() + deps.claimTtlMs, now());
        if (!claim.claimed) {
          if (claim.done) done.set(id, slot.at);
          continue;
        }
        const result = await sendSlot(target, key, slot, zone, claim.attempts, leads);
        if (result === "sent") sent++;
        // A retry stays owed: its claim lapses at the retry time and a later tick takes it.
        if (result !== "retry") done.set(id, slot.at);
      } catch (error) {
        // The store went away (or a stored zone is unknown here): the claim lapses and the
        // slot is tried again on a later tick; the other chats go on.
        log.error({ err: error, chat: target.chatId }, "bulletin step failed; will retry");
      }
    }
    for (const [id, slotAt] of done) if (slotAt < at - 2 * BULLETIN_MAX_PERIOD_MS) done.delete(id);
    if (sent) log.info({ sent }, "bulletins sent");
    return sent;
  }

  /** Sends one claimed slot's bulletin (its claim kept alive meanwhile) and records how it ended. */
  async function sendSlot(
    target: BulletinTarget,
    key: BulletinKey,
    slot: Slot,
    zone: string,
    attempts: number,
    leads: LeadCache,
  ): Promise<"sent" | "empty" | "retry" | "settled"> {
    const list = await composeBulletin(deps, target, slot, zone, leads);
    if (!list) {
      await deps.bulletins.finish(key, deps.owner, { status: "empty" }, now());
      return "empty";
    }
    // While the send waits for its turn in the flood budget and runs, the claim is renewed,
    // so it never lapses under a send in flight (another instance would send it again).
    const renewal = setInterval(
      () => void deps.bulletins.renew(key, deps.owner, now() + deps.claimTtlMs).catch(() => undefined),
      Math.max(1000, deps.claimTtlMs / 3),
    );
    let result: Awaited<ReturnType<typeof send>>;
    try {
      result = await send(target, list);
    } finally {
      clearInterval(renewal);
    }
    if (result.ok) {
      const recorded = await deps.bulletins.finish(
        key,
        deps.owner,
        { status: "sent", messageId: result.messageId, items: list.count },
        now(),
      );
      if (!recorded)
        log.warn(
          { chat: key.chatId, slot: key.slotAt },
          "bulletin sent after its claim passed to another instance",
        );
      log.debug({ chat: key.chatId, thread: key.threadId, stories: list.count }, "bulletin sent");
      return "sent";
    }
    return (await failed(target, key, result.failure, attempts)) ? "retry" : "settled";
  }

  async function send(
    target: BulletinTarget,
    list: LinkList,
  ): Promise<{ ok: true; messageId: number } | { ok: false; failure: Failure }> {
    let plain = false;
    let threadId = target.threadId;
    for (;;) {
      try {
        const message = await deps.api.sendMessage(target.chatId, plain ? list.plain : list.text, {
          ...(threadId ? { message_thread_id: threadId } : {}),
          ...(target.settings.silent ? { disable_notification: true } : {}),
          ...(deps.paidBroadcast ? { allow_paid_broadcast: true } : {}),
          ...(plain ? {} : { parse_mode: "HTML" as const }),
          link_preview_options: { is_disabled: true },
        });
        return { ok: true, messageId: message.message_id };
      } catch (error) {
        const f = classify(error);
        if (f.kind === "parse" && !plain) {
          log.error(
            { chat: target.chatId, description: f.description },
            "BUG: Telegram rejected a bulletin's HTML; sending as plain text",
          );
          plain = true;
        } else if (f.kind === "topic" && threadId) {
          log.warn(
            { chat: target.chatId, thread: threadId },
            "topic is gone; the bulletin goes to the main chat",
          );
          threadId = 0;
        } else return { ok: false, failure: f };
      }
    }
  }

  /** True when the slot will be tried again; false when it is settled (failed, or gone elsewhere). */
  async function failed(
    target: BulletinTarget,
    key: BulletinKey,
    f: Failure,
    attempts: number,
  ): Promise<boolean> {
    const at = now();
    switch (f.kind) {
      case "flood":
        // The budget keeps the pause; the slot waits it out and is taken again after it.
        await deps.bulletins.retryAt(key, deps.owner, at + f.retryAfter * 1000, "429");
        return true;
      case "retry":
        if (attempts < MAX_ATTEMPTS) {
          await deps.bulletins.retryAt(
            key,
            deps.owner,
            at + Math.min(15_000 * 2 ** attempts, 600_000),
            f.description,
          );
          log.warn({ chat: key.chatId, attempts, reason: f.description }, "bulletin not sent; will retry");
          return true;
        }
        break;
      case "gone": {
        await deps.bulletins.finish(key, deps.owner, { status: "failed", error: f.description }, at);
        const removed = await deps.subscriptions.removeChat(target.chatId);
        await deps.settings.remove(target.chatId);
        log.warn(
          { chat: target.chatId, removed, reason: f.description },
          "chat is gone: subscriptions removed",
        );
        return false;
      }
      case "migrate":
        // Nothing was sent: the slot is given back and the new supergroup gets it on the next tick.
        await deps.bulletins.release(key, deps.owner);
        await deps.subscriptions.moveChat(target.chatId, f.to);
        await deps.settings.move(target.chatId, f.to);
        log.info({ from: target.chatId, to: f.to }, "group migrated to a supergroup: subscriptions moved");
        return false;
      default:
        break;
    }
    const error = `${f.kind}: ${"description" in f ? f.description : ""}`;
    await deps.bulletins.finish(key, deps.owner, { status: "failed", error }, at);
    log.error({ chat: key.chatId, attempts, reason: error }, "bulletin given up");
    return false;
  }

  /** One tick at a time: a slow tick (many bulletins at one slot) is not started twice. */
  function once(): Promise<number> {
    if (running) return running;
    running = tick().finally(() => {
      running = undefined;
    });
    return running;
  }

  /** One chain of timers: a start after a stop that timed out mid-tick does not add a second. */
  let chain = 0;
  function loop(mine: number): void {
    if (stopped || mine !== chain) return;
    void once()
      .catch((err) => log.error({ err }, "bulletin tick failed"))
      .finally(() => {
        if (!stopped && mine === chain) timer = setTimeout(() => loop(mine), everyMs);
      });
  }

  return {
    tick: once,
    start() {
      stopped = false;
      if (timer) clearTimeout(timer);
      loop(++chain);
    },
    async stop() {
      stopped = true;
      chain++;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
