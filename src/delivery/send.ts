import type { Api } from "grammy";
import { type ChatSettings, type FeedItem, type Language, layoutOf } from "../domain/types.js";
import type { Logger } from "../log.js";
import { renderLinkList } from "../telegram/digest.js";
import { type Post, type RenderOptions, renderPost, SUMMARY_CHARS } from "../telegram/render.js";
import { classify, type Failure } from "./classify.js";

/** Where one send goes, and how. */
export interface SendTarget {
  chatId: number;
  /** 0: the chat itself. */
  threadId: number;
  settings: ChatSettings;
}

export type SendResult =
  | { ok: true; messageId: number | undefined; fallbacks: number }
  | { ok: false; failure: Failure; fallbacks: number };

export interface SenderDeps {
  api: Api;
  log: Logger;
  timeZone: string;
  defaultLanguage: Language;
  paidBroadcast: boolean;
  digestHeader: (language: Language, count: number) => string;
}

/** How a chat's settings lay its posts out (sent, and edited the same way); times in the chat's zone. */
export function renderOptionsFor(
  settings: ChatSettings,
  language: Language,
  defaultZone: string,
): RenderOptions {
  const layout = layoutOf(settings);
  return {
    language,
    timeZone: settings.timeZone ?? defaultZone,
    summaryChars: SUMMARY_CHARS[settings.summary],
    withImage: layout === "photo",
    // A photo post without an image keeps the old "link previews" switch.
    card: layout === "card" || (layout === "photo" && settings.previews),
    readButton: settings.readButton,
  };
}

/** The Bot API options of a post's text message or caption: parse mode, button, preview card. */
export function postExtras(post: Post) {
  return {
    parse_mode: "HTML" as const,
    ...(post.button
      ? { reply_markup: { inline_keyboard: [[{ text: post.button.text, url: post.button.url }]] } }
      : {}),
  };
}

export function previewOptions(post: Post) {
  // The card layout: Telegram draws the site's card, large, under the text.
  return post.previewUrl ? { url: post.previewUrl, prefer_large_media: true } : { is_disabled: true };
}

/**
 * Renders and sends one post or one digest, with at most one fallback per reason: HTML that
 * Telegram rejects → plain text; a refused photo (or no right to send photos) → a text post;
 * a missing topic → the main chat. Everything else is returned to the worker to decide.
 */
export function createSender(deps: SenderDeps) {
  const log = deps.log.child({ component: "send" });
  // One item fanned out to many chats renders the same few posts: render each once.
  const posts = new Map<string, Post>();
  const render = (rowId: number, item: FeedItem, opts: RenderOptions): Post => {
    const key = `${rowId}|${opts.language}|${opts.timeZone}|${opts.summaryChars}|${opts.withImage}|${opts.card}|${opts.readButton}`;
    let post = posts.get(key);
    if (!post) {
      post = renderPost(item, opts);
      if (posts.size >= 256) posts.delete(posts.keys().next().value as string);
      posts.set(key, post);
    }
    return post;
  };
  const languageOf = (s: ChatSettings) => s.language ?? deps.defaultLanguage;
  const common = (t: SendTarget, threadId: number) => ({
    ...(threadId ? { message_thread_id: threadId } : {}),
    ...(t.settings.silent ? { disable_notification: true } : {}),
    ...(deps.paidBroadcast ? { allow_paid_broadcast: true } : {}),
  });

  async function single(t: SendTarget, rowId: number, item: FeedItem): Promise<SendResult> {
    const opts = renderOptionsFor(t.settings, languageOf(t.settings), deps.timeZone);
    let post = render(rowId, item, opts);
    let plain = false;
    let threadId = t.threadId;
    let fallbacks = 0;
    for (;;) {
      try {
        const { parse_mode, ...button } = postExtras(post);
        const extra = { ...common(t, threadId), ...(plain ? {} : { parse_mode }), ...button };
        const text = plain ? post.plain : post.text;
        const message = post.photo
          ? await deps.api.sendPhoto(t.chatId, post.photo, { ...extra, caption: text })
          : await deps.api.sendMessage(t.chatId, text, {
              ...extra,
              link_preview_options: previewOptions(post),
            });
        return { ok: true, messageId: message.message_id, fallbacks };
      } catch (error) {
        const f = classify(error);
        if (f.kind === "parse" && !plain) {
          log.error(
            { chat: t.chatId, item: item.id, description: f.description, html: post.text },
            "BUG: Telegram rejected our HTML; sending as plain text",
          );
          plain = true;
        } else if (f.kind === "photo" && post.photo) {
          log.warn({ chat: t.chatId, description: f.description }, "photo refused; sending as text");
          post = render(rowId, item, { ...opts, withImage: false });
        } else if (f.kind === "topic" && threadId) {
          log.warn({ chat: t.chatId, thread: threadId }, "topic is gone; posting to the main chat");
          threadId = 0;
        } else {
          return { ok: false, failure: f, fallbacks };
        }
        fallbacks++;
      }
    }
  }

  /** A digest of the items that fit in one message; `count` says how many of `items` it covers. */
  async function digest(t: SendTarget, items: FeedItem[]): Promise<SendResult & { count: number }> {
    const language = languageOf(t.settings);
    const zone = t.settings.timeZone ?? deps.timeZone;
    let list = renderLinkList(deps.digestHeader(language, items.length), items, zone);
    if (list.count < items.length) {
      list = renderLinkList(deps.digestHeader(language, list.count), items.slice(0, list.count), zone);
    }
    let plain = false;
    let threadId = t.threadId;
    let fallbacks = 0;
    for (;;) {
      try {
        const message = await deps.api.sendMessage(t.chatId, plain ? list.plain : list.text, {
          ...common(t, threadId),
          ...(plain ? {} : { parse_mode: "HTML" as const }),
          link_preview_options: { is_disabled: true },
        });
        return { ok: true, messageId: message.message_id, fallbacks, count: list.count };
      } catch (error) {
        const f = classify(error);
        if (f.kind === "parse" && !plain) {
          log.error(
            { chat: t.chatId, description: f.description },
            "BUG: Telegram rejected a digest's HTML; sending as plain text",
          );
          plain = true;
        } else if (f.kind === "topic" && threadId) {
          threadId = 0;
        } else {
          return { ok: false, failure: f, fallbacks, count: list.count };
        }
        fallbacks++;
      }
    }
  }

  /** A stored item changed: its rendered posts are made again. */
  const forget = (rowId: number) => {
    for (const key of [...posts.keys()]) if (key.startsWith(`${rowId}|`)) posts.delete(key);
  };

  return { single, digest, forget };
}
