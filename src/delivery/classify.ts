import { GrammyError, HttpError } from "grammy";

/**
 * What the delivery worker must do after a failed Bot API call. Every kind but `flood` and
 * `migrate` carries Telegram's description (or the network error's message) for the logs.
 */
export type Failure =
  /** 429 (or 420 with a wait): wait `retryAfter` seconds; `scope` says whether only that chat waits. */
  | { kind: "flood"; retryAfter: number; scope: "chat" | "global" }
  /** The group became a supergroup: move everything to `to` and send again there. */
  | { kind: "migrate"; to: number }
  /** The bot can no longer post in that chat at all (kicked, blocked, no right to send text…). */
  | { kind: "gone"; description: string }
  /** The photo/media part was refused, but a text message could still go. */
  | { kind: "photo"; description: string }
  /** Telegram could not parse our HTML entities: send as plain text. */
  | { kind: "parse"; description: string }
  /** The forum topic is missing or closed: post to the main chat. */
  | { kind: "topic"; description: string }
  /** Text or caption over Telegram's limit: a rendering bug (posts are measured to fit); the worker dead-letters it. */
  | { kind: "tooLong"; description: string }
  /** Transient: 5xx, network failure, timeout, abort. `timedOut`: the call may have reached Telegram. */
  | { kind: "retry"; description: string; timedOut?: boolean }
  /** An edit that changes nothing (not an error for the caller). */
  | { kind: "notModified"; description: string }
  /** The message to edit or delete no longer exists or can no longer be changed (not an error). */
  | { kind: "messageGone"; description: string }
  /** Any other refusal: sending the same call again will fail the same way. */
  | { kind: "permanent"; description: string };

export type FailureKind = Failure["kind"];

/** What the caller knows about the failed call, when the error itself does not say. */
export interface ClassifyContext {
  /** The Bot API method; defaults to the GrammyError's own `method`. */
  method?: string;
  /**
   * Whether the call was about one chat (had a chat_id). Telegram's 429 does not say whether the
   * limit hit was the chat's or the bot's global one; a 429 on a call about a chat is taken as
   * that chat's, and one on a call without a chat as global. Defaults to whether the
   * GrammyError's payload has a `chat_id`.
   */
  hasChat?: boolean;
}

/** Telegram's answer when a call fails (the fields of a GrammyError). */
interface ApiErrorLike {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
  method?: string;
  payload?: Record<string, unknown>;
}

// Checked in this order; the first pattern that matches decides. Descriptions are Telegram's
// ("Bad Request: …", "Forbidden: …"), including MTProto error names it passes through.
const NOT_MODIFIED = /message is not modified|MESSAGE_NOT_MODIFIED/i;
const MESSAGE_GONE =
  /message to edit not found|message can'?t be edited|message to delete not found|message can'?t be deleted|MESSAGE_ID_INVALID|MESSAGE_EDIT_TIME_EXPIRED|MESSAGE_DELETE_FORBIDDEN/i;
const PARSE =
  /can'?t parse (?:caption )?entities|unsupported start tag|can'?t find end tag|unexpected end tag|unmatched end tag|unclosed start tag|can'?t find end of the entity|entity beginning|ENTITY_BOUNDS_INVALID|ENTITIES_TOO_LONG|unsupported parse[ _]mode/i;
const TOO_LONG = /message is too long|caption is too long|MESSAGE_TOO_LONG|MEDIA_CAPTION_TOO_LONG/i;
/** Restricted for media only: the text of the post can still go (must win over GONE and 403). */
const MEDIA_RIGHTS =
  /not enough rights to send (?:photos|videos|documents|audios|animations|stickers|voice notes|video notes|media|paid media)|CHAT_SEND_(?:PHOTOS|MEDIA|VIDEOS|DOCS|GIFS|STICKERS)_FORBIDDEN/i;
const PHOTO =
  /wrong file identifier|wrong remote file identifier|wrong HTTP URL|failed to get HTTP URL content|wrong type of the web page content|IMAGE_PROCESS_FAILED|PHOTO_[A-Z_]+|WEBPAGE_CURL_FAILED|WEBPAGE_MEDIA_EMPTY|MEDIA_EMPTY|file must be non-empty|type of file mismatch|wrong file type|FILE_REFERENCE_[A-Z_]+|file is too big/i;
const TOPIC = /message thread not found|thread not found|TOPIC_CLOSED|TOPIC_DELETED|TOPIC_ID_INVALID/i;
const GONE =
  /bot was kicked|bot was blocked|blocked by the user|bot is not a member|user is deactivated|USER_DEACTIVATED|USER_IS_BLOCKED|chat not found|group chat was deactivated|chat was deleted|CHANNEL_PRIVATE|CHANNEL_INVALID|need administrator rights in the channel|have no rights to send|not enough rights to send (?:text )?messages|CHAT_WRITE_FORBIDDEN|CHAT_SEND_PLAIN_FORBIDDEN|CHAT_RESTRICTED|PEER_ID_INVALID|bot can'?t initiate conversation|bot can'?t send messages to bots/i;
/** A missing right for something other than sending (pinning, deleting…): not a reason to leave the chat. */
const OTHER_RIGHTS = /not enough rights to (?!send)/i;
const RETRY_AFTER = /retry after (\d+)|FLOOD_WAIT_(\d+)/i;
/** Methods that upload or fetch a file: a 413 there is about the media, not the chat. */
const MEDIA_METHOD =
  /^send(?:Photo|Video|Animation|Document|Audio|Voice|VideoNote|MediaGroup|Sticker|PaidMedia)$/;

/** Used when a 429 names no wait at all (should not happen). */
const DEFAULT_RETRY_AFTER_S = 5;

/**
 * Classifies an error thrown by a grammY API call (GrammyError, HttpError, timeouts, aborts)
 * into what the delivery worker must do. `context` is the method name, or what is known about
 * the call (see ClassifyContext); by default both are read from the GrammyError itself.
 */
export function classify(error: unknown, context?: string | ClassifyContext): Failure {
  const ctx: ClassifyContext = typeof context === "string" ? { method: context } : (context ?? {});
  const api = asApiError(error);
  if (api) return classifyApiError(api, ctx);
  if (error instanceof HttpError || isNamed(error, "HttpError")) {
    const inner = (error as HttpError).error;
    const innerApi = asApiError(inner);
    if (innerApi) return classifyApiError(innerApi, ctx);
    return {
      kind: "retry",
      description: `${(error as Error).message}: ${describe(inner)}`,
      ...(isTimeout(inner) || isTimeout(error) ? { timedOut: true } : {}),
    };
  }
  return { kind: "retry", description: describe(error), ...(isTimeout(error) ? { timedOut: true } : {}) };
}

function classifyApiError(e: ApiErrorLike, ctx: ClassifyContext): Failure {
  const code = e.error_code;
  const description = e.description || `error ${code}`;
  const p = e.parameters ?? {};
  const retryAfter = retryAfterOf(p.retry_after, description);
  if (code === 429 || (code === 420 && retryAfter !== undefined)) {
    const hasChat = ctx.hasChat ?? payloadHasChat(e.payload);
    return {
      kind: "flood",
      retryAfter: retryAfter ?? DEFAULT_RETRY_AFTER_S,
      scope: hasChat ? "chat" : "global",
    };
  }
  if (p.migrate_to_chat_id) return { kind: "migrate", to: p.migrate_to_chat_id };
  if (code >= 500 || code === 420) return { kind: "retry", description };
  const method = ctx.method ?? e.method;
  if (NOT_MODIFIED.test(description)) return { kind: "notModified", description };
  if (MESSAGE_GONE.test(description)) return { kind: "messageGone", description };
  if (PARSE.test(description)) return { kind: "parse", description };
  if (TOO_LONG.test(description)) return { kind: "tooLong", description };
  if (MEDIA_RIGHTS.test(description) || PHOTO.test(description)) return { kind: "photo", description };
  if (code === 413 && method && MEDIA_METHOD.test(method)) return { kind: "photo", description };
  if (TOPIC.test(description)) return { kind: "topic", description };
  if (OTHER_RIGHTS.test(description)) return { kind: "permanent", description };
  if (code === 403 || GONE.test(description)) return { kind: "gone", description };
  if (code < 400) return { kind: "retry", description };
  return { kind: "permanent", description };
}

/** A GrammyError, or anything shaped like Telegram's error answer (e.g. from another grammY copy). */
function asApiError(error: unknown): ApiErrorLike | undefined {
  if (error instanceof GrammyError) return error;
  if (
    typeof error === "object" &&
    error !== null &&
    typeof (error as ApiErrorLike).error_code === "number" &&
    typeof (error as ApiErrorLike).description === "string"
  )
    return error as ApiErrorLike;
  return undefined;
}

function retryAfterOf(value: unknown, description: string): number | undefined {
  if (typeof value === "number" && Number.isFinite(value) && value > 0) return Math.ceil(value);
  const m = RETRY_AFTER.exec(description);
  const n = Number(m?.[1] ?? m?.[2]);
  return m && Number.isFinite(n) && n > 0 ? n : undefined;
}

function payloadHasChat(payload: Record<string, unknown> | undefined): boolean {
  const id = payload?.chat_id;
  return id !== undefined && id !== null && id !== "";
}

function isNamed(error: unknown, name: string): boolean {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === name;
}

/** grammY's own timeout ("Request to 'x' timed out after n seconds"), AbortSignal.timeout, or an abort. */
function isTimeout(error: unknown, depth = 0): boolean {
  if (depth > 4) return false;
  if (isNamed(error, "AbortError") || isNamed(error, "TimeoutError")) return true;
  if (typeof error === "object" && error !== null) {
    const e = error as { message?: unknown; code?: unknown; cause?: unknown };
    if (typeof e.message === "string" && /timed out|timeout|aborted/i.test(e.message)) return true;
    if (
      e.code === "ETIMEDOUT" ||
      e.code === "UND_ERR_CONNECT_TIMEOUT" ||
      e.code === "UND_ERR_HEADERS_TIMEOUT"
    )
      return true;
    if (e.cause && e.cause !== error) return isTimeout(e.cause, depth + 1);
  }
  return false;
}

function describe(error: unknown, depth = 0): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const code = (error as { code?: unknown }).code;
    const base = `${error.name}: ${error.message}${typeof code === "string" ? ` (${code})` : ""}`;
    return cause instanceof Error && cause !== error && depth < 4
      ? `${base} ← ${describe(cause, depth + 1)}`
      : base;
  }
  return String(error);
}
