import type { Kysely } from "kysely";
import type { FeedItem } from "../domain/types.js";
import { matchText } from "../text/match.js";
import type { Database } from "./schema.js";

/** A message a story was posted as, alone (not inside a digest). */
export interface SentMessage {
  chatId: number;
  threadId: number;
  messageId: number;
}

/** What changed of a stored story, when the change is worth an edit of its posts. */
export interface Correction {
  rowId: number;
  item: FeedItem;
}

/**
 * Corrections of posted stories: a stored item's title and text replaced by the feed's new
 * ones as one compare-and-swap (the row as it was read), so with several instances one of
 * them makes the correction and edits the posts, once.
 */
export interface CorrectionRepo {
  /**
   * Stores `item`'s new title and text when its stored row (same feed and id, stored after
   * `since`) differs materially (see `material`); the correction, or undefined.
   */
  correct(
    item: FeedItem,
    since: number,
    material: (before: FeedItem, after: FeedItem) => boolean,
  ): Promise<Correction | undefined>;
  /** The messages the item was posted as (sent alone, with a message id). */
  sentMessages(rowId: number): Promise<SentMessage[]>;
}

/**
 * `keepTextBelow`: a feed text shorter than this is a teaser; the stored text (perhaps the
 * article page's) stays.
 */
export function createCorrectionRepo(db: Kysely<Database>, keepTextBelow = 500): CorrectionRepo {
  return {
    async correct(item, since, material) {
      const row = await db
        .selectFrom("items")
        .select(["id", "title", "text", "summary"])
        .where("feed", "=", item.feed)
        .where("item_key", "=", item.id)
        .where("created_at", ">=", since)
        .executeTakeFirst();
      if (!row) return undefined;
      const before = { ...item, title: row.title, text: row.text };
      if (!material(before, item)) return undefined;
      // A teaser in the feed does not replace the article's text read from its page.
      const text = item.text.length >= keepTextBelow ? item.text : row.text;
      // Already so (another instance corrected it first, and this one read the result): no
      // change, so no second correction, whatever `material` says.
      if (row.title === item.title && text === row.text) return undefined;
      const summary = text === row.text ? row.summary : null;
      const res = await db
        .updateTable("items")
        .set({
          title: item.title,
          text,
          // An abstractive summary was of the old text.
          summary,
          match_text: matchText(item.title, text, summary ?? undefined),
        })
        .where("id", "=", row.id)
        .where("title", "=", row.title)
        .where("text", "=", row.text)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return undefined;
      return { rowId: Number(row.id), item: { ...item, text, summary: summary ?? undefined } };
    },
    async sentMessages(rowId) {
      const rows = await db
        .selectFrom("deliveries as d")
        .select(["d.chat_id", "d.thread_id", "d.message_id"])
        .where("d.item_id", "=", rowId)
        .where("d.message_id", "is not", null)
        .where("d.status", "=", "sent")
        .where("d.digest", "is", null)
        // A message id shared with another row of the chat is a digest: not edited as a post.
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom("deliveries as o")
                .select("o.id")
                .whereRef("o.chat_id", "=", "d.chat_id")
                .whereRef("o.message_id", "=", "d.message_id")
                .whereRef("o.id", "<>", "d.id"),
            ),
          ),
        )
        .execute();
      return rows.map((r) => ({
        chatId: Number(r.chat_id),
        threadId: Number(r.thread_id),
        messageId: Number(r.message_id),
      }));
    },
  };
}
