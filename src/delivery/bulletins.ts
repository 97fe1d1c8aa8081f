import type { Api } from "grammy";
import {
  BULLETIN_MAX_PERIOD_MS,
  bulletinTimes,
  latestSlot,
  type Slot,
  type SlotPart,
  slotPart,
} from "../domain/bulletin.js";
import { localDay } from "../domain/time.js";
import { type Language, publishedMs } from "../domain/types.js";
import type { Logger } from "../log.js";
import type { BulletinCandidate, BulletinKey, BulletinRepo, BulletinTarget } from "../store/bulletins.js";
import type { SettingsRepo, SubscriptionRepo } from "../store/repos.js";
import {
  BULLETIN_LEAD_CHARS,
  type BulletinEntry,
  type LinkList,
  renderBulletin,
} from "../telegram/digest.js";
import { summarize } from "../text/summary.js";
import { classify, type Failure } from "./classify.js";

export interface BulletinDeps {
  /** The posts' Api: its transformer takes each send's slot from the flood budget. */
  api: Api;
  bulletins: BulletinRepo;
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

/** Rows read per target per slot: far more than a bulletin shows, for the ranking to choose from. */
const CANDIDATES = 300;
/** Sends of one slot tried at most this often (network trouble, 5xx); then it is given up. */
const MAX_ATTEMPTS = 6;

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
    // The site-wide lead counts of a period, read once for every target sharing it.
    const leads = new Map<string, Promise<Map<string, number>>>();
    let sent = 0;
    for (const target of targets) {
      if (stopped) break;
      const zone = target.settings.timeZone ?? deps.timeZone;
      const slot = latestSlot(bulletinTimes(target.settings), zone, at);
      if (!slot || slot.at <= (target.settings.bulletinSince ?? 0)) continue;
      const key = { chatId: target.chatId, threadId: target.threadId, slotAt: slot.at };
      const id = `${key.chatId}:${key.threadId}:${key.slotAt}`;
      if (done.has(id)) continue;
      try {
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
        // The store went away: the claim lapses and the slot is tried again on a later tick.
        log.error({ err: error, chat: key.chatId }, "bulletin step failed; will retry");
      }
    }
    for (const [id, slotAt] of done) if (slotAt < at - 2 * BULLETIN_MAX_PERIOD_MS) done.delete(id);
    if (sent) log.info({ sent }, "bulletins sent");
    return sent;
  }

  /** Sends one claimed slot's bulletin and records how it ended. */
  async function sendSlot(
    target: BulletinTarget,
    key: BulletinKey,
    slot: Slot,
    zone: string,
    attempts: number,
    leads: Map<string, Promise<Map<string, number>>>,
  ): Promise<"sent" | "empty" | "retry" | "settled"> {
    const times = bulletinTimes(target.settings);
    const previous = latestSlot(times, zone, slot.at - 1)?.at ?? slot.at - BULLETIN_MAX_PERIOD_MS;
    const from = Math.max(
      (await deps.bulletins.lastDone(target, slot.at)) ?? previous,
      slot.at - BULLETIN_MAX_PERIOD_MS,
    );
    const period = `${from}-${slot.at}`;
    let lead = leads.get(period);
    if (!lead) {
      lead = deps.bulletins.leadStories(from, slot.at);
      leads.set(period, lead);
    }
    const stories = rank(await deps.bulletins.stories(target, from, slot.at, CANDIDATES), await lead).slice(
      0,
      deps.maxStories,
    );
    if (stories.length === 0) {
      await deps.bulletins.finish(key, deps.owner, { status: "empty" }, now());
      return "empty";
    }
    const language = target.settings.language ?? deps.defaultLanguage;
    const day = localDay(slot.at, zone);
    const date = `${pad(day.day)}/${pad(day.month)}/${day.year}`;
    const list = renderBulletin(deps.header(language, slotPart(slot.minutes), date), stories.map(entry));
    const result = await send(target, list);
    if (result.ok) {
      await deps.bulletins.finish(
        key,
        deps.owner,
        { status: "sent", messageId: result.messageId, items: list.count },
        now(),
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

  function loop(): void {
    void once()
      .catch((err) => log.error({ err }, "bulletin tick failed"))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, everyMs);
      });
  }

  return {
    tick: once,
    start() {
      stopped = false;
      loop();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * Lead stories first: a story the site runs in several feeds (front page and section) before
 * one in a single feed, then one with a picture (a full article, not a brief), then the
 * newest. One entry per story (the same article in two feeds is listed once).
 */
export function rank(candidates: BulletinCandidate[], leads: Map<string, number>): BulletinCandidate[] {
  const seen = new Set<string>();
  const unique = candidates.filter((c) => !seen.has(c.storyKey) && seen.add(c.storyKey));
  const score = (c: BulletinCandidate) => leads.get(c.storyKey) ?? 1;
  const newest = (c: BulletinCandidate) => publishedMs(c.item) || c.createdAt;
  return unique.sort(
    (a, b) =>
      score(b) - score(a) ||
      Number(!!b.item.image) - Number(!!a.item.image) ||
      newest(b) - newest(a) ||
      b.rowId - a.rowId,
  );
}

/** The story's line: the abstractive summary when it is that short, else the extractive lead. */
function entry(c: BulletinCandidate): BulletinEntry {
  const { item } = c;
  const lead =
    item.summary && item.summary.length <= BULLETIN_LEAD_CHARS
      ? item.summary
      : summarize(item.title, item.text, { maxChars: BULLETIN_LEAD_CHARS });
  return { item, lead };
}
