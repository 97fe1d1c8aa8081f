import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.js";

/** Counters per UTC day, shared by every instance (the summary API's daily request cap). */
export interface CounterRepo {
  /**
   * Takes one from today's allowance of `name`: true while fewer than `cap` were taken today.
   * One atomic statement, so instances sharing the database never exceed the cap together.
   */
  take(name: string, cap: number, now?: number): Promise<boolean>;
  get(name: string, now?: number): Promise<number>;
}

const today = (now: number) => new Date(now).toISOString().slice(0, 10);

export function createCounterRepo(db: Kysely<Database>): CounterRepo {
  return {
    async take(name, cap, now = Date.now()) {
      if (cap <= 0) return false;
      const row = await db
        .insertInto("daily_counters")
        .values({ name, day: today(now), count: 1 })
        .onConflict((oc) =>
          oc
            .columns(["name", "day"])
            .doUpdateSet({ count: sql<number>`daily_counters.count + 1` })
            .where("daily_counters.count", "<", cap),
        )
        .returning("count")
        .executeTakeFirst();
      return row !== undefined;
    },
    async get(name, now = Date.now()) {
      const row = await db
        .selectFrom("daily_counters")
        .select("count")
        .where("name", "=", name)
        .where("day", "=", today(now))
        .executeTakeFirst();
      return row?.count ?? 0;
    },
  };
}
