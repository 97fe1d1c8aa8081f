// biome-ignore-all lint/suspicious/noExplicitAny: a migration works on the schema as it was, not on ../schema.ts
import type { Kysely } from "kysely";

/** Post layout per chat: "Đọc tiếp" as an inline URL button. A nullable column only. */
export function layout() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable("chat_settings").addColumn("read_button", "integer").execute();
    },
  };
}
