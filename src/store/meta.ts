import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.js";

/** Counters and small values in `meta`, each changed by one atomic statement. */
export interface MetaRepo {
  /** The next poll cycle number (1, 2, 3 …), unique across instances. */
  nextCycle(): Promise<number>;
  add(key: string, by: number): Promise<void>;
  get(keys: string[]): Promise<Record<string, number>>;
  set(key: string, value: number): Promise<void>;
}

export function createMetaRepo(db: Kysely<Database>): MetaRepo {
  const add = async (key: string, by: number) => {
    const row = await db
      .insertInto("meta")
      .values({ key, value: by })
      .onConflict((oc) => oc.column("key").doUpdateSet({ value: sql`meta.value + ${by}` }))
      .returning("value")
      .executeTakeFirstOrThrow();
    return Number(row.value);
  };
  return {
    nextCycle: () => add("cycle", 1),
    async add(key, by) {
      if (by) await add(key, by);
    },
    async get(keys) {
      if (keys.length === 0) return {};
      const rows = await db.selectFrom("meta").select(["key", "value"]).where("key", "in", keys).execute();
      return Object.fromEntries(keys.map((k) => [k, Number(rows.find((r) => r.key === k)?.value ?? 0)]));
    },
    async set(key, value) {
      await db
        .insertInto("meta")
        .values({ key, value })
        .onConflict((oc) => oc.column("key").doUpdateSet({ value }))
        .execute();
    },
  };
}
