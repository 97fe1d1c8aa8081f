import { mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import SqliteDatabase from "better-sqlite3";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  sql,
} from "kysely";
import pg from "pg";
import type { Logger } from "../log.js";
import type { Dialect } from "./dialect.js";
import type { Database } from "./schema.js";

export interface Db {
  readonly dialect: Dialect;
  readonly kysely: Kysely<Database>;
  /** Answers when the database answers and its file (SQLite) is still the one opened. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  log: Logger;
  /** How long start-up waits for the database before giving up. */
  connectTimeoutMs: number;
}

export class StoreError extends Error {
  override name = "StoreError";
}

/** Opens STORE_URL: `sqlite://path` (or `sqlite://:memory:`), `postgres://…` / `postgresql://…`. */
export async function openDatabase(url: string, opts: OpenOptions): Promise<Db> {
  if (url.startsWith("sqlite://")) return openSqlite(url.slice("sqlite://".length) || ":memory:");
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url, opts);
  throw new StoreError(`unsupported STORE_URL scheme: ${url.split(":")[0]}`);
}

function openSqlite(path: string): Db {
  const file = path === ":memory:" ? undefined : resolve(path);
  if (file) mkdirSync(dirname(file), { recursive: true });
  let database: SqliteDatabase.Database;
  try {
    database = new SqliteDatabase(file ?? ":memory:");
    // WAL lets several processes on one host read while one writes; a writer waits up to
    // 5 s for another's transaction instead of failing at once.
    database.pragma("journal_mode = WAL");
    database.pragma("synchronous = NORMAL");
    database.pragma("busy_timeout = 5000");
    database.pragma("foreign_keys = ON");
    // 32 MiB of page cache (the default is 2 MiB): the delivery indexes of a large fan-out stay
    // in memory while a cycle plans them.
    database.pragma("cache_size = -32000");
  } catch (error) {
    throw new StoreError(`cannot open the SQLite database ${file}: ${(error as Error).message}`);
  }
  const inode = file ? statSync(file).ino : undefined;
  const kysely = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(database) }),
  });
  return {
    dialect: "sqlite",
    kysely,
    async ping() {
      // A file deleted or replaced under a running process keeps answering from the old
      // inode: every write would be lost at the next start.
      if (file && inode !== undefined) {
        let now: number | undefined;
        try {
          now = statSync(file).ino;
        } catch {
          throw new StoreError(`the SQLite file ${file} was deleted`);
        }
        if (now !== inode) throw new StoreError(`the SQLite file ${file} was replaced`);
      }
      await sql`select 1`.execute(kysely);
    },
    async close() {
      await kysely.destroy();
    },
  };
}

async function openPostgres(url: string, opts: OpenOptions): Promise<Db> {
  const log = opts.log;
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    // A statement stuck on a lock or a dead connection fails instead of hanging the caller.
    query_timeout: 30_000,
    // bigint columns (chat ids, epoch ms) as numbers: every value we keep fits in 2^53.
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === 20
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its connection emits 'error' on the pool; unhandled, it would
  // crash the process. The next query reconnects.
  pool.on("error", (err) => log.warn({ err }, "PostgreSQL connection lost; reconnecting on next use"));
  // A connection that dies while it is checked out (or while the pool ends) emits 'error' on
  // its client; unheard, that is an uncaught exception. The query in flight, if any, fails on
  // its own; this only keeps the process alive.
  pool.on("connect", (client) => {
    client.on("error", (err) => log.warn({ err }, "PostgreSQL connection lost"));
  });
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await withTimeout(sql`select 1`.execute(kysely), opts.connectTimeoutMs, "connecting to PostgreSQL");
  } catch (error) {
    await withTimeout(pool.end(), 1000, "closing").catch(() => undefined);
    throw new StoreError(`cannot reach the PostgreSQL database: ${(error as Error).message}`);
  }
  return {
    dialect: "postgres",
    kysely,
    async ping() {
      await sql`select 1`.execute(kysely);
    },
    async close() {
      await kysely.destroy();
    },
  };
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreError(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * SQLite transactions that take the write lock when they begin (BEGIN IMMEDIATE), waiting
 * up to busy_timeout for another process's. A deferred transaction that reads first and
 * writes later fails at once with SQLITE_BUSY when another process wrote in between.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection: DatabaseConnection) => {
      await connection.executeQuery(CompiledQuery.raw("begin immediate"));
    };
    return driver;
  }
}

/**
 * Kysely's SQLite driver prepares every query anew; preparing costs more than running most of
 * ours (a profile of a poll cycle: a quarter of the database time). The same SQL text reuses
 * its prepared statement (safe: better-sqlite3 runs each to completion synchronously).
 */
function withStatementCache(database: SqliteDatabase.Database): SqliteDatabase.Database {
  const cache = new Map<string, SqliteDatabase.Statement>();
  const prepare = (source: string) => {
    let stmt = cache.get(source);
    if (!stmt) {
      stmt = database.prepare(source);
      // Bounded: SQL with a varying number of parameters (IN lists) makes many texts.
      if (cache.size >= 500) cache.delete(cache.keys().next().value as string);
      cache.set(source, stmt);
    }
    return stmt;
  };
  return new Proxy(database, {
    get(target, prop, receiver) {
      if (prop === "prepare") return prepare;
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
