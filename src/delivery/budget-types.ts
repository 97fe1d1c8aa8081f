import type { Transformer } from "grammy";
import type { Logger } from "../log.js";

/** The flood budget's API: what the worker, the bot and the tests see (the scheduler is in budget.ts). */

export type Priority = "reply" | "post";
/** A numeric chat id, or "@username" (a channel or supergroup). */
export type ChatId = number | string;

export interface FloodBudgetOptions {
  /** Global messages per second (Telegram: about 30; up to 1000 with allow_paid_broadcast). */
  rate: number;
  /** Longest a reply may wait for its slot before it is dropped (default 20 000 ms). */
  replyMaxWaitMs?: number;
  now?: () => number;
  log: Logger;
  /**
   * Told of every pause a 429 starts (`chat` undefined: every send), so that it can be kept
   * where another instance taking over the sending reads it (`restorePause`).
   */
  onPause?: (chat: ChatId | undefined, until: number) => void;
}

export interface FloodStats {
  /** 429 responses recorded. */
  flood429: number;
  repliesDropped: number;
  repliesWaiting: number;
  postsWaiting: number;
  /** Epoch ms until which nothing at all is sent (0 when never paused). */
  globalPausedUntil: number;
  /** Slots granted (sends counted against the limits). */
  granted: number;
  /** Chats with per-chat state kept (recent sends or a pause). */
  chats: number;
}

export interface FloodBudget {
  /**
   * grammY API transformer. Message-creating and message-editing methods (`GATED_METHODS`) wait
   * for their slot; the response of every call is checked for 429, which is recorded
   * (`onFlood`). The 429 result is returned as is, so grammY throws its GrammyError to the
   * caller. A reply whose 429 has retry_after ≤ replyMaxWaitMs waits it out and is retried
   * once; posts are never retried here (the worker decides). A chat's 1 s and 20/min windows
   * count from when each answer came back (see `settled`), so a request slowed on its way
   * cannot reach Telegram too close behind the previous one. sendChatAction and message drafts
   * are not gated: they are not messages, and a typing status that waits for a slot is useless.
   * Install with `api.config.use(budget.transformer("reply"))`.
   */
  transformer(priority: Priority): Transformer;
  /**
   * Waits for a global slot and the chat's window, then counts the send. `chatId` undefined
   * (an inline-message edit) waits for a global slot only. Rejects with ReplyDroppedError for
   * a reply that would wait > replyMaxWaitMs; rejects with the AbortSignal's reason if aborted.
   */
  acquire(chatId: ChatId | undefined, priority: Priority, signal?: AbortSignal): Promise<void>;
  /**
   * Earliest epoch ms at which a post to this chat would not wait for the chat's own window or
   * pause, counting 1 s for each send already waiting for that chat. May be in the past.
   */
  chatReadyAt(chatId: ChatId): number;
  /** Earliest epoch ms at which a post could take a global slot (global pause, pace, replies waiting ahead). */
  globalReadyAt(): number;
  /** Records a 429 (the transformer calls it; the worker may too). */
  onFlood(chatId: ChatId | undefined, retryAfterS: number): void;
  /** A pause another instance was told of (not counted as a 429 here): honoured until `until`. */
  restorePause(chatId: ChatId | undefined, until: number): void;
  stats(): FloodStats;
}

/** A reply that would have waited too long for Telegram's flood limits; it was not sent. */
export class ReplyDroppedError extends Error {
  override readonly name = "ReplyDroppedError";
  constructor(
    readonly chatId: ChatId | undefined,
    /** How long it would have waited in all (ms), as far as known. */
    readonly waitMs: number,
  ) {
    super(
      `reply to chat ${chatId ?? "(none)"} dropped: it would wait ${Math.round(waitMs)} ms for flood limits`,
    );
  }
}

/** Methods that put a message into a chat or change one: they take a slot of the budget. */
export const GATED_METHODS: ReadonlySet<string> = new Set([
  "sendMessage",
  "sendPhoto",
  "sendLivePhoto",
  "sendAudio",
  "sendDocument",
  "sendVideo",
  "sendAnimation",
  "sendVoice",
  "sendVideoNote",
  "sendPaidMedia",
  // An album is counted as one message; Telegram does not publish how it weighs one.
  "sendMediaGroup",
  "sendLocation",
  "sendVenue",
  "sendContact",
  "sendPoll",
  "sendChecklist",
  "sendDice",
  "sendSticker",
  "sendRichMessage",
  "sendInvoice",
  "sendGame",
  "copyMessage",
  "copyMessages",
  "forwardMessage",
  "forwardMessages",
  "editMessageText",
  "editMessageCaption",
  "editMessageMedia",
  "editMessageReplyMarkup",
  "editMessageLiveLocation",
  "stopMessageLiveLocation",
  "editMessageChecklist",
  "stopPoll",
]);
