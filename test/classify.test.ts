import { GrammyError, HttpError } from "grammy";
import type { ResponseParameters } from "grammy/types";
import { describe, expect, it } from "vitest";
import { classify, type FailureKind } from "../src/delivery/classify.js";

/** A GrammyError exactly as grammY builds one from Telegram's answer (see toGrammyError). */
function tgError(
  error_code: number,
  description: string,
  parameters?: ResponseParameters,
  method = "sendMessage",
  payload: Record<string, unknown> = { chat_id: -100123, text: "x" },
): GrammyError {
  return new GrammyError(
    `Call to '${method}' failed!`,
    { ok: false, error_code, description, ...(parameters ? { parameters } : {}) },
    method,
    payload,
  );
}

/** An HttpError as grammY's toHttpError wraps a failed fetch. */
function httpError(inner: unknown, method = "sendMessage"): HttpError {
  return new HttpError(`Network request for '${method}' failed!`, inner);
}

const photoPayload = { chat_id: -100123, photo: "https://img.example/a.jpg", caption: "x" };

// [error_code, description, expected kind, method?]: descriptions as Telegram sends them.
const rows: Array<[number, string, FailureKind, string?]> = [
  // The bot can no longer post there at all.
  [403, "Forbidden: bot was blocked by the user", "gone"],
  [403, "Forbidden: bot was kicked from the group chat", "gone"],
  [403, "Forbidden: bot was kicked from the supergroup chat", "gone"],
  [403, "Forbidden: bot was kicked from the channel chat", "gone"],
  [403, "Forbidden: bot is not a member of the channel chat", "gone"],
  [403, "Forbidden: bot is not a member of the supergroup chat", "gone"],
  [400, "Bad Request: bot is not a member of the channel chat", "gone"],
  [403, "Forbidden: user is deactivated", "gone"],
  [403, "Forbidden: bot can't initiate conversation with a user", "gone"],
  [403, "Forbidden: bot can't send messages to bots", "gone"],
  [403, "Forbidden: the group chat was deleted", "gone"],
  [403, "Forbidden: CHAT_WRITE_FORBIDDEN", "gone"],
  [403, "Forbidden: some description Telegram adds later", "gone"],
  [400, "Bad Request: chat not found", "gone"],
  [400, "Bad Request: group chat was deactivated", "gone"],
  [400, "Bad Request: CHANNEL_PRIVATE", "gone"],
  [400, "Bad Request: need administrator rights in the channel chat", "gone"],
  [400, "Bad Request: have no rights to send a message", "gone"],
  [400, "Bad Request: not enough rights to send text messages to the chat", "gone"],
  [400, "Bad Request: CHAT_WRITE_FORBIDDEN", "gone"],
  [400, "Bad Request: CHAT_SEND_PLAIN_FORBIDDEN", "gone"],
  [400, "Bad Request: CHAT_RESTRICTED", "gone"],
  [400, "Bad Request: PEER_ID_INVALID", "gone"],
  // Media refused, text still possible.
  [400, "Bad Request: not enough rights to send photos to the chat", "photo", "sendPhoto"],
  [403, "Forbidden: not enough rights to send photos to the chat", "photo", "sendPhoto"],
  [400, "Bad Request: CHAT_SEND_PHOTOS_FORBIDDEN", "photo", "sendPhoto"],
  [400, "Bad Request: CHAT_SEND_MEDIA_FORBIDDEN", "photo", "sendPhoto"],
  [400, "Bad Request: wrong file identifier/HTTP URL specified", "photo", "sendPhoto"],
  [400, "Bad Request: failed to get HTTP URL content", "photo", "sendPhoto"],
  [400, "Bad Request: wrong type of the web page content", "photo", "sendPhoto"],
  [400, "Bad Request: IMAGE_PROCESS_FAILED", "photo", "sendPhoto"],
  [400, "Bad Request: PHOTO_INVALID_DIMENSIONS", "photo", "sendPhoto"],
  [400, "Bad Request: PHOTO_SAVE_FILE_INVALID", "photo", "sendPhoto"],
  [400, "Bad Request: PHOTO_EXT_INVALID", "photo", "sendPhoto"],
  [400, "Bad Request: WEBPAGE_CURL_FAILED", "photo", "sendPhoto"],
  [400, "Bad Request: WEBPAGE_MEDIA_EMPTY", "photo", "sendPhoto"],
  [400, "Bad Request: MEDIA_EMPTY", "photo", "sendPhoto"],
  [
    400,
    "Bad Request: wrong remote file identifier specified: Wrong character in the string",
    "photo",
    "sendPhoto",
  ],
  [400, "Bad Request: wrong remote file identifier specified: wrong padding in the string", "photo"],
  [400, "Bad Request: file must be non-empty", "photo", "sendPhoto"],
  [400, "Bad Request: type of file mismatch", "photo", "sendPhoto"],
  [413, "Request Entity Too Large", "photo", "sendPhoto"],
  // Our HTML was refused.
  [400, 'Bad Request: can\'t parse entities: Unsupported start tag "p" at byte offset 0', "parse"],
  [400, "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"", "parse"],
  [400, "Bad Request: can't parse entities: Unexpected end tag at byte offset 12", "parse"],
  [
    400,
    'Bad Request: can\'t parse entities: Unmatched end tag at byte offset 7, expected "</i>", found "</b>"',
    "parse",
  ],
  [400, "Bad Request: can't parse entities: Unclosed start tag at byte offset 3", "parse"],
  [400, "Bad Request: can't parse entities: Can't find end of the entity starting at byte offset 5", "parse"],
  [400, 'Bad Request: can\'t parse caption entities: Unsupported start tag "br" at byte offset 9', "parse"],
  [400, "Bad Request: Entity beginning at byte offset 4 is unfinished", "parse"],
  [400, "Bad Request: unsupported parse_mode", "parse"],
  [400, "Bad Request: ENTITY_BOUNDS_INVALID", "parse"],
  // Forum topics.
  [400, "Bad Request: message thread not found", "topic"],
  [400, "Bad Request: TOPIC_CLOSED", "topic"],
  [400, "Bad Request: TOPIC_DELETED", "topic"],
  [400, "Bad Request: TOPIC_ID_INVALID", "topic"],
  // Too long: render shorter.
  [400, "Bad Request: message is too long", "tooLong"],
  [400, "Bad Request: message caption is too long", "tooLong", "sendPhoto"],
  [400, "Bad Request: MEDIA_CAPTION_TOO_LONG", "tooLong", "sendPhoto"],
  // Edits and deletes: not errors for the caller.
  [
    400,
    "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
    "notModified",
    "editMessageText",
  ],
  [400, "Bad Request: MESSAGE_NOT_MODIFIED", "notModified", "editMessageCaption"],
  [400, "Bad Request: message to edit not found", "messageGone", "editMessageText"],
  [400, "Bad Request: message can't be edited", "messageGone", "editMessageText"],
  [400, "Bad Request: message to delete not found", "messageGone", "deleteMessage"],
  [400, "Bad Request: message can't be deleted for everyone", "messageGone", "deleteMessage"],
  [400, "Bad Request: MESSAGE_ID_INVALID", "messageGone", "editMessageText"],
  // Transient.
  [500, "Internal Server Error", "retry"],
  [502, "Bad Gateway", "retry"],
  [504, "Gateway Timeout", "retry"],
  [500, "Internal Server Error: restart", "retry"],
  [420, "Flood", "retry"],
  // Anything else in 4xx: the same call fails the same way.
  [400, "Bad Request: message text is empty", "permanent"],
  [400, "Bad Request: BUTTON_DATA_INVALID", "permanent"],
  [400, "Bad Request: replied message not found", "permanent"],
  [400, "Bad Request: group chat was upgraded to a supergroup chat", "permanent"],
  [400, "Bad Request: not enough rights to pin a message", "permanent", "pinChatMessage"],
  [403, "Forbidden: not enough rights to delete messages", "permanent", "deleteMessage"],
  [401, "Unauthorized", "permanent"],
  [404, "Not Found: method not found", "permanent"],
  [409, "Conflict: terminated by other getUpdates request", "permanent", "getUpdates"],
  [413, "Request Entity Too Large", "permanent", "sendMessage"],
];

describe("classify: Telegram's error descriptions", () => {
  it("has a large table", () => expect(rows.length).toBeGreaterThanOrEqual(35));

  it.each(rows)("%i %s → %s", (code, description, kind, method = "sendMessage") => {
    const payload = method === "sendPhoto" ? photoPayload : { chat_id: -100123, message_id: 5, text: "x" };
    const f = classify(tgError(code, description, undefined, method, payload));
    expect(f.kind).toBe(kind);
    if ("description" in f) expect(f.description).toBe(description);
  });

  it("never treats a text-only restriction on photos as the chat being gone", () => {
    for (const code of [400, 403]) {
      const f = classify(
        tgError(code, "Bad Request: not enough rights to send photos to the chat", undefined, "sendPhoto"),
      );
      expect(f.kind).toBe("photo");
    }
    expect(
      classify(tgError(400, "Bad Request: not enough rights to send text messages to the chat")).kind,
    ).toBe("gone");
  });

  it("matches descriptions without regard to case", () => {
    expect(classify(tgError(400, "Bad Request: Chat Not Found")).kind).toBe("gone");
    expect(classify(tgError(400, "Bad Request: topic_closed")).kind).toBe("topic");
  });
});

describe("classify: flood control", () => {
  it("takes retry_after from the parameters; a call with a chat_id is that chat's limit", () => {
    expect(
      classify(tgError(429, "Too Many Requests: retry after 17", { retry_after: 17 }, "sendMessage")),
    ).toEqual({ kind: "flood", retryAfter: 17, scope: "chat" });
  });

  it("calls a 429 global when the call had no chat", () => {
    const e = tgError(429, "Too Many Requests: retry after 3", { retry_after: 3 }, "answerCallbackQuery", {
      callback_query_id: "1",
    });
    expect(classify(e)).toEqual({ kind: "flood", retryAfter: 3, scope: "global" });
    const close = tgError(429, "Too Many Requests: retry after 600", { retry_after: 600 }, "close", {});
    expect(classify(close)).toEqual({ kind: "flood", retryAfter: 600, scope: "global" });
  });

  it("lets the caller say whether the call had a chat", () => {
    const e = tgError(429, "Too Many Requests: retry after 2", { retry_after: 2 });
    expect(classify(e, { hasChat: false })).toMatchObject({ scope: "global" });
    const bare = tgError(429, "Too Many Requests: retry after 2", { retry_after: 2 }, "sendMessage", {});
    expect(classify(bare, { hasChat: true })).toMatchObject({ scope: "chat" });
    expect(classify(bare, "sendMessage")).toMatchObject({ scope: "global" });
  });

  it("reads the wait from the description when parameters lack it, else waits 5 s", () => {
    expect(classify(tgError(429, "Too Many Requests: retry after 42"))).toMatchObject({
      kind: "flood",
      retryAfter: 42,
    });
    expect(classify(tgError(429, "Too Many Requests"))).toMatchObject({ kind: "flood", retryAfter: 5 });
    expect(classify(tgError(429, "Too Many Requests", { retry_after: 0 }))).toMatchObject({ retryAfter: 5 });
  });

  it("treats 420 FLOOD_WAIT with a wait as flood, without one as retry", () => {
    expect(classify(tgError(420, "Flood: FLOOD_WAIT_31"))).toEqual({
      kind: "flood",
      retryAfter: 31,
      scope: "chat",
    });
    expect(classify(tgError(420, "Flood", { retry_after: 8 }))).toMatchObject({
      kind: "flood",
      retryAfter: 8,
    });
    expect(classify(tgError(420, "Flood")).kind).toBe("retry");
  });

  it("checks 429 before anything in the description", () => {
    const e = tgError(429, "Too Many Requests: retry after 1 (chat not found)", { retry_after: 1 });
    expect(classify(e).kind).toBe("flood");
  });
});

describe("classify: migration", () => {
  it("moves a group that became a supergroup", () => {
    const e = tgError(400, "Bad Request: group chat was upgraded to a supergroup chat", {
      migrate_to_chat_id: -1001234567890,
    });
    expect(classify(e)).toEqual({ kind: "migrate", to: -1001234567890 });
  });

  it("prefers migrate_to_chat_id over a description that looks like a gone chat", () => {
    const e = tgError(403, "Forbidden: bot was kicked from the group chat", { migrate_to_chat_id: -1009 });
    expect(classify(e)).toEqual({ kind: "migrate", to: -1009 });
  });
});

describe("classify: network failures", () => {
  it("retries an HttpError from fetch", () => {
    const cause = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    const f = classify(httpError(new TypeError("fetch failed", { cause })));
    expect(f.kind).toBe("retry");
    expect(f).not.toHaveProperty("timedOut");
    if (f.kind === "retry") expect(f.description).toContain("ECONNREFUSED");
  });

  it("retries a connection reset", () => {
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    expect(classify(httpError(reset)).kind).toBe("retry");
  });

  it("marks grammY's own timeout as timed out (the send may have reached Telegram)", () => {
    const f = classify(httpError(new Error("Request to 'sendMessage' timed out after 5 seconds")));
    expect(f).toMatchObject({ kind: "retry", timedOut: true });
  });

  it("marks aborts and AbortSignal.timeout as timed out", () => {
    const abort = new DOMException("This operation was aborted", "AbortError");
    expect(classify(httpError(abort))).toMatchObject({ kind: "retry", timedOut: true });
    expect(classify(abort)).toMatchObject({ kind: "retry", timedOut: true });
    const timeout = new DOMException("The operation was aborted due to timeout", "TimeoutError");
    expect(classify(timeout)).toMatchObject({ kind: "retry", timedOut: true });
    const undici = Object.assign(new Error("fetch failed"), {
      cause: Object.assign(new Error("Headers Timeout Error"), { code: "UND_ERR_HEADERS_TIMEOUT" }),
    });
    expect(classify(httpError(undici))).toMatchObject({ kind: "retry", timedOut: true });
  });

  it("retries a non-JSON answer (a proxy's HTML error page)", () => {
    const f = classify(httpError(new SyntaxError("Unexpected token '<', \"<html>\" is not valid JSON")));
    expect(f.kind).toBe("retry");
  });

  it("classifies a Telegram error that a transformer let through inside an HttpError", () => {
    const inner = tgError(403, "Forbidden: bot was blocked by the user");
    expect(classify(httpError(inner)).kind).toBe("gone");
  });

  it("retries anything unknown", () => {
    expect(classify(new Error("boom")).kind).toBe("retry");
    expect(classify("a string").kind).toBe("retry");
    expect(classify(undefined).kind).toBe("retry");
  });
});

describe("classify: errors shaped like Telegram's without being GrammyError", () => {
  it("reads error_code/description/parameters from a plain object", () => {
    expect(
      classify({
        ok: false,
        error_code: 429,
        description: "Too Many Requests",
        parameters: { retry_after: 9 },
      }),
    ).toEqual({ kind: "flood", retryAfter: 9, scope: "global" });
    expect(classify({ ok: false, error_code: 400, description: "Bad Request: chat not found" }).kind).toBe(
      "gone",
    );
  });

  it("uses the method passed in to judge a 413", () => {
    const e = { ok: false, error_code: 413, description: "Request Entity Too Large" };
    expect(classify(e, "sendPhoto").kind).toBe("photo");
    expect(classify(e, { method: "sendMessage" }).kind).toBe("permanent");
  });
});
