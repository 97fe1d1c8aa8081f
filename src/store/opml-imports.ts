import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

/** A preview's button works this long; older imports are forgotten at the next import. */
export const OPML_IMPORT_TTL_MS = 24 * 3_600_000;
/** A confirmation whose instance died while adding may be taken again after this. */
export const OPML_CLAIM_STALE_MS = 5 * 60_000;

export type OpmlImportState = "pending" | "adding" | "done" | "cancelled";

export interface OpmlImport {
  id: string;
  userId: number;
  chatId: number;
  state: OpmlImportState;
  /** The feeds to add, as JSON (the feature's own shape: the store does not read it). */
  feeds: string;
  createdAt: number;
}

/**
 * OPML imports waiting for a bot admin's button (0013), shared by every instance. Each move
 * is one compare-and-swap statement: of two taps (or two instances) one takes the import.
 */
export interface OpmlImportRepo {
  create(row: { id: string; userId: number; chatId: number; feeds: string; at: number }): Promise<void>;
  get(id: string): Promise<OpmlImport | undefined>;
  /**
   * Pending → adding for exactly one caller, which gets the feeds' JSON; undefined for every
   * other (already taken, cancelled, expired, unknown). An "adding" claim older than
   * OPML_CLAIM_STALE_MS (its instance died mid-way) may be taken again: adding is idempotent.
   */
  claim(id: string, at: number): Promise<string | undefined>;
  /** Adding → done. */
  finish(id: string): Promise<void>;
  /** Pending → cancelled; false when it was not pending. */
  cancel(id: string): Promise<boolean>;
  /** Forgets imports created before `before`; how many. */
  purge(before: number): Promise<number>;
}

export function createOpmlImportRepo(db: Kysely<Database>): OpmlImportRepo {
  return {
    async create(row) {
      await db
        .insertInto("opml_imports")
        .values({
          id: row.id,
          user_id: row.userId,
          chat_id: row.chatId,
          state: "pending",
          feeds: row.feeds,
          created_at: row.at,
          claimed_at: null,
        })
        .execute();
    },
    async get(id) {
      const r = await db.selectFrom("opml_imports").selectAll().where("id", "=", id).executeTakeFirst();
      if (!r) return undefined;
      return {
        id: r.id,
        userId: Number(r.user_id),
        chatId: Number(r.chat_id),
        state: r.state as OpmlImportState,
        feeds: r.feeds,
        createdAt: Number(r.created_at),
      };
    },
    async claim(id, at) {
      const r = await db
        .updateTable("opml_imports")
        .set({ state: "adding", claimed_at: at })
        .where("id", "=", id)
        .where("created_at", ">", at - OPML_IMPORT_TTL_MS)
        .where((eb) =>
          eb.or([
            eb("state", "=", "pending"),
            eb.and([eb("state", "=", "adding"), eb("claimed_at", "<", at - OPML_CLAIM_STALE_MS)]),
          ]),
        )
        .returning("feeds")
        .executeTakeFirst();
      return r?.feeds;
    },
    async finish(id) {
      await db
        .updateTable("opml_imports")
        .set({ state: "done" })
        .where("id", "=", id)
        .where("state", "=", "adding")
        .execute();
    },
    async cancel(id) {
      const r = await db
        .updateTable("opml_imports")
        .set({ state: "cancelled" })
        .where("id", "=", id)
        .where("state", "=", "pending")
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async purge(before) {
      const r = await db.deleteFrom("opml_imports").where("created_at", "<", before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
