import { EventEmitter } from "node:events";
import type { KeyvStoreAdapter, StoredData } from "keyv";
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

const CHUNK = 500;

/**
 * A Keyv storage adapter on the store's own database (SQLite or PostgreSQL, through Kysely),
 * in the `keyv` table.
 *
 * Why not @keyv/sqlite or @keyv/postgres: neither keeps an expiry column, so entries whose TTL
 * has passed stay on disk until someone reads them again, which a "seen" id never is, and
 * @keyv/sqlite writes a batch one autocommit statement at a time. Here a batch is one
 * statement per 500 keys, `purgeExpired` deletes by an indexed `expires` column, and errors
 * are thrown to the caller (Keyv's `throwOnErrors`), never read as "not found".
 */
export class KeyvKysely extends EventEmitter implements KeyvStoreAdapter {
  opts: { dialect: string };
  namespace?: string | undefined;

  constructor(private readonly db: Kysely<Database>) {
    super();
    this.opts = { dialect: "kysely" };
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    const row = await this.db
      .selectFrom("keyv")
      .select("value")
      .where("key", "=", key)
      .where((eb) => eb.or([eb("expires", "is", null), eb("expires", ">", Date.now())]))
      .executeTakeFirst();
    return row?.value as StoredData<Value> | undefined;
  }

  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    const found = new Map<string, string>();
    const now = Date.now();
    for (let i = 0; i < keys.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom("keyv")
        .select(["key", "value"])
        .where("key", "in", keys.slice(i, i + CHUNK))
        .where((eb) => eb.or([eb("expires", "is", null), eb("expires", ">", now)]))
        .execute();
      for (const r of rows) found.set(r.key, r.value);
    }
    return keys.map((k) => found.get(k) as StoredData<Value | undefined>);
  }

  async has(key: string): Promise<boolean> {
    return (await this.hasMany([key]))[0] === true;
  }

  /** Which keys exist and have not expired: no value is read or deserialised (the seen-id check). */
  async hasMany(keys: string[]): Promise<boolean[]> {
    const found = new Set<string>();
    const now = Date.now();
    for (let i = 0; i < keys.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom("keyv")
        .select("key")
        .where("key", "in", keys.slice(i, i + CHUNK))
        .where((eb) => eb.or([eb("expires", "is", null), eb("expires", ">", now)]))
        .execute();
      for (const r of rows) found.add(r.key);
    }
    return keys.map((k) => found.has(k));
  }

  async set(key: string, value: unknown, ttl?: number): Promise<void> {
    await this.setMany([{ key, value, ...(ttl === undefined ? {} : { ttl }) }]);
  }

  async setMany(values: Array<{ key: string; value: unknown; ttl?: number }>): Promise<void> {
    // Last write wins for a key given twice in one batch (one statement may not upsert a key twice).
    const rows = [
      ...new Map(
        values.map((v) => [v.key, { key: v.key, value: String(v.value), expires: expiresAt(v.ttl) }]),
      ).values(),
    ];
    for (let i = 0; i < rows.length; i += CHUNK) {
      await this.db
        .insertInto("keyv")
        .values(rows.slice(i, i + CHUNK))
        .onConflict((oc) =>
          oc.column("key").doUpdateSet((eb) => ({
            value: eb.ref("excluded.value"),
            expires: eb.ref("excluded.expires"),
          })),
        )
        .execute();
    }
  }

  async delete(key: string): Promise<boolean> {
    const res = await this.db.deleteFrom("keyv").where("key", "=", key).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    let deleted = 0;
    for (let i = 0; i < keys.length; i += CHUNK) {
      const res = await this.db
        .deleteFrom("keyv")
        .where("key", "in", keys.slice(i, i + CHUNK))
        .executeTakeFirst();
      deleted += Number(res.numDeletedRows);
    }
    return deleted > 0;
  }

  /** Clears this namespace: keys from `ns:` up to (not including) `ns;`, an index range on both backends. */
  async clear(): Promise<void> {
    if (!this.namespace) {
      await this.db.deleteFrom("keyv").execute();
      return;
    }
    await this.db
      .deleteFrom("keyv")
      .where("key", ">=", `${this.namespace}:`)
      .where("key", "<", `${this.namespace};`)
      .execute();
  }

  async disconnect(): Promise<void> {
    // The database is shared by every namespace and closed once by the store.
  }
}

/** Deletes entries whose TTL has passed (by the `keyv_expires` index); returns how many. */
export async function purgeExpiredKeyv(db: Kysely<Database>, now = Date.now()): Promise<number> {
  const res = await db
    .deleteFrom("keyv")
    .where("expires", "is not", null)
    .where("expires", "<=", now)
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}

function expiresAt(ttl: number | undefined): number | null {
  return typeof ttl === "number" && ttl > 0 ? Date.now() + ttl : null;
}
