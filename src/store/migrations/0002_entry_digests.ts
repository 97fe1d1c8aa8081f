// biome-ignore-all lint/suspicious/noExplicitAny: a migration works on the schema as it was, not on ../schema.ts
import type { Kysely } from "kysely";

/**
 * Digests of the entries of each feed's last settled document, so a read parses only what
 * changed (src/feeds/chunks.ts). A nullable column: the previous release reads and writes
 * feed_state as before, and a digest list it leaves behind still names only entries that were
 * settled, so mixing releases during a rolling deploy is safe.
 */
export function entryDigests() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable("feed_state").addColumn("entry_digests", "text").execute();
    },
  };
}
