import KeyvRedis, { createClient } from "@keyv/redis";
import { Keyv } from "keyv";
import type { Logger } from "../log.js";
import { KeyvBetterSqlite, SqliteDatabase } from "./sqlite-adapter.js";

/**
 * The namespaces the application keeps, each a Keyv instance over one shared backend:
 * seen ids, feed state, recent items, counters, subscriptions, chat settings, user languages,
 * bot-added feeds, the outbox and the ledger of sent posts. (Tests add their own.)
 */
export const NAMESPACES = [
  "seen",
  "feeds",
  "items",
  "meta",
  "subs",
  "settings",
  "users",
  "feedlist",
  "outbox",
  "sent",
] as const;
export type NamespaceName = (typeof NAMESPACES)[number] | (string & {});

export interface Store {
  readonly backend: "sqlite" | "redis";
  /** A Keyv over one namespace; errors are thrown, never swallowed (a failed read must not look like "not seen"). */
  ns<T = unknown>(name: NamespaceName): Keyv<T>;
  /** Answers when the backend answers; used by health checks. */
  ping(): Promise<void>;
  /** Drops expired entries where the backend does not do it by itself. */
  purgeExpired(): Promise<number>;
  close(): Promise<void>;
}

/** Opens STORE_URL: `sqlite://path` (or `sqlite://:memory:`), `redis://…` / `rediss://…`. */
export async function openStore(url: string, log: Logger): Promise<Store> {
  const slog = log.child({ component: "store" });
  const keyvs = new Map<string, Keyv>();
  const wrap = <T>(name: string, make: () => Keyv<T>): Keyv<T> => {
    let keyv = keyvs.get(name) as Keyv<T> | undefined;
    if (!keyv) {
      keyv = make();
      keyv.throwOnErrors = true;
      keyv.on("error", (err: unknown) => slog.error({ err, namespace: name }, "store error"));
      keyvs.set(name, keyv as Keyv);
    }
    return keyv;
  };

  if (url.startsWith("sqlite://")) {
    const path = url.slice("sqlite://".length) || ":memory:";
    const database = new SqliteDatabase(path);
    slog.info({ backend: "sqlite", path }, "store opened");
    return {
      backend: "sqlite",
      ns: <T>(name: string) =>
        wrap<T>(name, () => new Keyv<T>(new KeyvBetterSqlite(database), { namespace: name })),
      async ping() {
        database.db.prepare("SELECT 1").get();
      },
      async purgeExpired() {
        return database.purgeExpired();
      },
      async close() {
        database.close();
      },
    };
  }

  if (/^rediss?:\/\//.test(url)) {
    const client = createClient({
      url,
      socket: { connectTimeout: 5000, reconnectStrategy: (retries: number) => Math.min(retries * 200, 5000) },
    });
    client.on("error", (err: unknown) => slog.warn({ err }, "redis connection error"));
    await client.connect();
    slog.info({ backend: "redis" }, "store opened");
    return {
      backend: "redis",
      ns: <T>(name: string) =>
        wrap<T>(name, () => {
          const adapter = new KeyvRedis(client, { namespace: name, keyPrefixSeparator: ":" });
          return new Keyv<T>(adapter, { namespace: name, useKeyPrefix: false });
        }),
      async ping() {
        await client.ping();
      },
      async purgeExpired() {
        return 0; // Redis expires keys itself (PX on every write with a TTL).
      },
      async close() {
        if (client.isOpen) await client.close();
      },
    };
  }
  throw new Error(`unsupported STORE_URL scheme: ${url.split(":")[0]}`);
}
