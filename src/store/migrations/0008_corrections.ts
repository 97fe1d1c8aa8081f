// biome-ignore-all lint/suspicious/noExplicitAny: a migration works on the schema as it was, not on ../schema.ts
import { type Kysely, sql } from "kysely";

/**
 * Corrections: the messages a story was posted as, found by its item. A partial index (only
 * rows that were sent and have a message id), so a planned row pays nothing for it.
 */
export function corrections() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await sql`create index deliveries_sent_item on deliveries (item_id) where message_id is not null`.execute(
        db,
      );
    },
  };
}
