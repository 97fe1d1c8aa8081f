// biome-ignore-all lint/suspicious/noExplicitAny: a migration works on the schema as it was, not on ../schema.ts
import { type Kysely, sql } from "kysely";
import { matchText } from "../../text/match.js";
import type { Dialect } from "../dialect.js";

/**
 * /search: the database's own full-text search over each item's folded words
 * (items.match_text: no diacritics, đ → d, which neither FTS5's remove_diacritics nor
 * PostgreSQL's unaccent does). SQLite: an FTS5 table kept in step with items by triggers;
 * PostgreSQL: a GIN index on the words' tsvector ('simple': the words are already folded, no
 * stemming). Items stored before 0005 get their words here.
 */
export function search(dialect: Dialect) {
  return {
    async up(db: Kysely<any>): Promise<void> {
      for (let after = 0; ; ) {
        const rows = await db
          .selectFrom("items")
          .select(["id", "title", "text", "summary"])
          .where("match_text", "is", null)
          .where("id", ">", after)
          .orderBy("id")
          .limit(500)
          .execute();
        if (rows.length === 0) break;
        for (const r of rows)
          await db
            .updateTable("items")
            .set({ match_text: matchText(r.title, r.text, r.summary ?? undefined) })
            .where("id", "=", r.id)
            .execute();
        after = Number(rows[rows.length - 1]?.id);
      }
      if (dialect === "postgres") {
        await sql`create index items_match_fts on items using gin (to_tsvector('simple', coalesce(match_text, '')))`.execute(
          db,
        );
        return;
      }
      await sql`create virtual table items_fts using fts5(words, tokenize = 'unicode61')`.execute(db);
      await sql`insert into items_fts (rowid, words) select id, coalesce(match_text, '') from items`.execute(
        db,
      );
      await sql`create trigger items_fts_insert after insert on items begin
        insert into items_fts (rowid, words) values (new.id, coalesce(new.match_text, ''));
      end`.execute(db);
      await sql`create trigger items_fts_update after update of match_text on items begin
        delete from items_fts where rowid = old.id;
        insert into items_fts (rowid, words) values (new.id, coalesce(new.match_text, ''));
      end`.execute(db);
      await sql`create trigger items_fts_delete after delete on items begin
        delete from items_fts where rowid = old.id;
      end`.execute(db);
    },
  };
}
