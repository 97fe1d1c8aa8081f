import { type Api, GrammyError } from "grammy";
import type { FeedItem, Language } from "../domain/types.js";
import type { Logger } from "../log.js";
import type { CorrectionRepo } from "../store/corrections.js";
import type { SettingsRepo } from "../store/settings.js";
import { renderPost } from "../telegram/render.js";
import { classify } from "./classify.js";
import { postExtras, previewOptions, renderOptionsFor } from "./send.js";

/** An edit answered with a 429 is tried again after it only when Telegram asks this little wait. */
const EDIT_RETRY_MAX_S = 30;

export interface CorrectorDeps {
  /** The posts' Api: its calls go through the flood budget's post lane like every send. */
  api: Api;
  corrections: CorrectionRepo;
  settings: SettingsRepo;
  log: Logger;
  timeZone: string;
  defaultLanguage: Language;
  /** Posts younger than this are edited when their story changes (EDIT_WINDOW_HOURS). */
  windowMs: number;
  /** A story was corrected: the sender's caches must not post the old version to the chats still waiting. */
  forget?: (rowId: number) => void;
  now?: () => number;
}

/** Whitespace and case do not make a correction; words, numbers and diacritics do. */
const norm = (s: string) => s.normalize("NFC").replace(/\s+/g, " ").trim().toLowerCase();
/** The lead: what a reader sees first in a post, the start of the article's text. */
const LEAD_CHARS = 300;
const lead = (text: string) => norm(text.split(/\n{2,}/)[0] ?? "").slice(0, LEAD_CHARS);

/**
 * A feed text this short is a teaser: the stored text may be the article page's (see
 * feeds/article.ts), so it says nothing about the lead and is not stored over it.
 */
export const TEASER_CHARS = 500;

/** A change of the title, or of the lead of a feed that carries the article, a reader would notice. */
export function isMaterial(before: FeedItem, after: FeedItem): boolean {
  if (norm(before.title) !== norm(after.title)) return true;
  return after.text.length >= TEASER_CHARS && lead(before.text) !== lead(after.text);
}

/** Answers of Telegram that mean there is nothing (more) to edit: not errors. */
const NOTHING_TO_DO =
  /message is not modified|message to edit not found|message can't be edited|MESSAGE_ID_INVALID|chat not found|bot was kicked|not enough rights/i;

/**
 * Corrections: an article already posted that changes its title or its lead within the edit
 * window gets its posts edited (the text, or the caption of a photo post) instead of a new
 * post. The stored row changes by compare-and-swap (store/corrections.ts), so one instance
 * edits, once; edits go through the flood budget like posts.
 */
export function createCorrector(deps: CorrectorDeps) {
  const log = deps.log.child({ component: "corrections" });
  const now = deps.now ?? Date.now;

  async function edit(chatId: number, messageId: number, item: FeedItem): Promise<"edited" | "skipped"> {
    const settings = await deps.settings.get(chatId);
    const opts = renderOptionsFor(settings, settings.language ?? deps.defaultLanguage, deps.timeZone);
    const post = renderPost(item, opts);
    const asText = async () => {
      const text = post.photo ? renderPost(item, { ...opts, withImage: false }) : post;
      await deps.api.editMessageText(chatId, messageId, text.text, {
        ...postExtras(text),
        link_preview_options: previewOptions(text),
      });
    };
    try {
      if (post.photo) {
        try {
          await deps.api.editMessageCaption(chatId, messageId, { caption: post.text, ...postExtras(post) });
        } catch (error) {
          // Sent as text after all (its photo was refused then): edit it as text.
          if (error instanceof GrammyError && /no caption/i.test(error.description)) await asText();
          else throw error;
        }
      } else {
        try {
          await asText();
        } catch (error) {
          if (error instanceof GrammyError && /no text in the message/i.test(error.description))
            await deps.api.editMessageCaption(chatId, messageId, { caption: post.text, ...postExtras(post) });
          else throw error;
        }
      }
      return "edited";
    } catch (error) {
      if (error instanceof GrammyError && NOTHING_TO_DO.test(error.description)) return "skipped";
      throw error;
    }
  }

  return {
    /** Changed items of one read: each corrected at most once, its posts edited. */
    async apply(items: FeedItem[]): Promise<number> {
      let edited = 0;
      for (const item of items) {
        const c = await deps.corrections.correct(item, now() - deps.windowMs, isMaterial);
        if (!c) continue;
        deps.forget?.(c.rowId);
        const messages = await deps.corrections.sentMessages(c.rowId);
        for (const m of messages) {
          // A 429 (the budget keeps the pause and the next call waits it out) or a passing
          // network failure is tried once more; then the message keeps its old text.
          for (let attempt = 1; ; attempt++) {
            try {
              if ((await edit(m.chatId, m.messageId, c.item)) === "edited") edited++;
              break;
            } catch (err) {
              const f = classify(err);
              const again =
                attempt < 2 &&
                (f.kind === "retry" || (f.kind === "flood" && f.retryAfter <= EDIT_RETRY_MAX_S));
              if (again) continue;
              log.warn({ err, chat: m.chatId, item: item.id }, "could not edit a corrected post");
              break;
            }
          }
        }
        log.info({ feed: item.feed, item: item.id, posts: messages.length }, "story corrected");
      }
      return edited;
    },
  };
}
