// biome-ignore-all lint/suspicious/noExplicitAny: a migration works on the schema as it was, not on ../schema.ts
import type { Kysely } from "kysely";

/**
 * Adaptive polling: when each feed is due, the interval chosen at its last read (for /feeds),
 * and the publication times of its items of the last week (its pace).
 */
export function pollSchedule() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      for (const [column, type] of [
        ["next_read_at", "bigint"],
        ["read_every_ms", "bigint"],
        ["recent_published", "text"],
      ] as const) {
        await db.schema.alterTable("feed_state").addColumn(column, type).execute();
      }
    },
  };
}
