import { Keyv } from "keyv";
import type { Kysely } from "kysely";
import type { Logger } from "../log.js";
import { type Db, openDatabase, withTimeout } from "./db.js";
import type { Dialect } from "./dialect.js";
import { KeyvKysely, purgeExpiredKeyv } from "./keyv-adapter.js";
import { migrate } from "./migrate.js";
import type { Database } from "./schema.js";

/** The store: one relational database (SQLite or PostgreSQL), migrated, with Keyv on top for dedupe. */
export interface Store {
  readonly backend: Dialect;
  readonly db: Kysely<Database>;
  /** A Keyv over one namespace of the `keyv` table; errors are thrown, never read as "not found". */
  keyv<T>(namespace: string): Keyv<T>;
  /** Answers when the database answers (and a SQLite file is still the one opened). */
  ping(): Promise<void>;
  /** Readiness: the database takes a write. */
  writeCheck(): Promise<void>;
  /** Deletes expired Keyv entries. */
  purgeExpired(): Promise<number>;
  /** Closes within `timeoutMs`, even when the database hangs. */
  close(timeoutMs?: number): Promise<void>;
}

export interface StoreOptions {
  log: Logger;
  connectTimeoutMs?: number;
}

/** Opens STORE_URL and brings its schema up to this release. */
export async function openStore(url: string, opts: StoreOptions): Promise<Store> {
  const log = opts.log.child({ component: "store" });
  const connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
  const database: Db = await openDatabase(url, { log, connectTimeoutMs });
  try {
    await migrate(database, log);
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
  log.info({ backend: database.dialect }, "store opened");
  const keyvs = new Map<string, Keyv>();
  let closed: Promise<void> | undefined;
  return {
    backend: database.dialect,
    db: database.kysely,
    keyv<T>(namespace: string) {
      let keyv = keyvs.get(namespace) as Keyv<T> | undefined;
      if (!keyv) {
        // One adapter per namespace: Keyv sets the adapter's namespace.
        keyv = new Keyv<T>(new KeyvKysely(database.kysely), { namespace });
        keyv.throwOnErrors = true;
        keyv.on("error", (err: unknown) => log.error({ err, namespace }, "store error"));
        keyvs.set(namespace, keyv as Keyv);
      }
      return keyv;
    },
    ping: () => database.ping(),
    async writeCheck() {
      await database.ping();
      await database.kysely
        .insertInto("meta")
        // One row for every instance (a row per process would pile up across restarts).
        .values({ key: "alive", value: Date.now() })
        .onConflict((oc) => oc.column("key").doUpdateSet({ value: Date.now() }))
        .execute();
    },
    purgeExpired: () => purgeExpiredKeyv(database.kysely),
    close(timeoutMs = 5000) {
      closed ??= withTimeout(database.close(), timeoutMs, "closing the store").catch((err) =>
        log.warn({ err }, "the store did not close in time"),
      );
      return closed;
    },
  };
}
