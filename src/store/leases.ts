import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

/**
 * Named leases (one long-polling instance, one sender …): a row with an owner and a
 * deadline. Taking and renewing are one conditional upsert each, so two instances can never
 * both believe they hold it; a holder that dies loses it when the deadline passes.
 */
export interface LeaseRepo {
  /** Takes or renews the lease for `ttlMs`; true when `owner` holds it afterwards. */
  acquire(name: string, owner: string, ttlMs: number): Promise<boolean>;
  release(name: string, owner: string): Promise<void>;
  holder(name: string): Promise<{ owner: string; expiresAt: number } | undefined>;
}

export function createLeaseRepo(db: Kysely<Database>, now: () => number = Date.now): LeaseRepo {
  return {
    async acquire(name, owner, ttlMs) {
      const t = now();
      const res = await db
        .insertInto("leases")
        .values({ name, owner, expires_at: t + ttlMs })
        .onConflict((oc) =>
          oc
            .column("name")
            .doUpdateSet({ owner, expires_at: t + ttlMs })
            .where((eb) => eb.or([eb("leases.owner", "=", owner), eb("leases.expires_at", "<", t)])),
        )
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async release(name, owner) {
      await db.deleteFrom("leases").where("name", "=", name).where("owner", "=", owner).execute();
    },
    async holder(name) {
      const r = await db.selectFrom("leases").selectAll().where("name", "=", name).executeTakeFirst();
      return r ? { owner: r.owner, expiresAt: r.expires_at } : undefined;
    },
  };
}
