// One Postgres URL, one code path. With DATABASE_URL set, ARC talks to that server. Without it, ARC
// starts PGlite on a data folder and serves it on loopback (embedded-server.ts), so postgres.js,
// LangGraph's PostgresSaver and pg-boss all speak the ordinary wire protocol to it.
//
// Only one process may open an embedded data folder. The first `arc` process writes
// `<dataDir>/server.json` (pid, port); later processes connect to that server instead of opening
// the folder a second time.
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { startEmbeddedPgServer } from "./embedded-server.ts";
import { countingQueries, countPgQueries, countQuery } from "./query-count.ts";
import * as schema from "./schema.ts";

export type Db = PostgresJsDatabase<typeof schema>;
/** A transaction handle; it has the same query API as Db. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  sql: postgres.Sql;
  url: string;
  /** True when this process is serving (or connected to) an embedded PGlite. */
  embedded: boolean;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Postgres URL; defaults to DATABASE_URL, and to the embedded database when that is unset too. */
  url?: string;
  /** Embedded data folder; defaults to ARC_DATA_DIR or `.arc`. */
  dataDir?: string;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  /** Pool size for a real Postgres; the embedded server always gets 1 (see docs/architecture.md). */
  maxConnections?: number;
  /** `url` is an embedded server (a scratch PGlite): connect to it as to the embedded database. */
  embeddedServer?: boolean;
  /** drizzle's queries as prepared statements on a real server (default: ARC_DB_PREPARED_STATEMENTS, on). */
  preparedStatements?: boolean;
}

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "migrations");

export async function openDatabase(options: OpenOptions = {}): Promise<Database> {
  countPgQueries();
  const url = options.url ?? process.env.DATABASE_URL;
  if (url) {
    return connect(url, {
      embedded: options.embeddedServer ?? false,
      // Never on an embedded server: its connections share one session (preparingStatements).
      prepared: !options.embeddedServer && (options.preparedStatements ?? preparedStatementsWanted()),
      max: options.maxConnections ?? 10,
      migrate: options.migrate ?? true,
    });
  }
  const dataDir = resolve(options.dataDir ?? process.env.ARC_DATA_DIR ?? ".arc");
  const embedded = await startOrJoinEmbedded(dataDir);
  const database = await connect(embedded.url, {
    embedded: true,
    prepared: false,
    max: 1,
    migrate: options.migrate ?? true,
  });
  return {
    ...database,
    async close() {
      await database.close();
      await embedded.stop();
    },
  };
}

async function connect(
  url: string,
  options: { embedded: boolean; prepared: boolean; max: number; migrate: boolean },
): Promise<Database> {
  if (options.migrate) {
    try {
      await migrateDatabase(url);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (
        code === "ECONNREFUSED" ||
        code === "ENOTFOUND" ||
        code === "ENOENT" || // a Unix socket that is not there
        code === "ECONNRESET" ||
        code === "CONNECT_TIMEOUT"
      ) {
        throw new Error(`cannot reach the database at ${redact(url)} (${code}); is it running?`, {
          cause: error,
        });
      }
      throw error;
    }
  }
  const sql = createClient(url, options.max, { oltp: !options.embedded });
  const db = drizzle(options.prepared ? preparingStatements(sql) : sql, { schema });
  return { db, sql, url, embedded: options.embedded, close: () => sql.end({ timeout: 5 }) };
}

/**
 * @param tuning.oltp ARC's own connections to a real server: JIT compilation off. ARC's queries are
 * short index lookups; on a freshly loaded table (statistics not yet gathered) the planner's
 * estimates make it JIT-compile them, which took 200 ms a query on a 100k-customer ledger.
 */
export function createClient(url: string, max: number, tuning: { oltp?: boolean } = {}): postgres.Sql {
  const socket = unixSocket(url);
  return postgres(socket?.url ?? url, {
    ...(socket ? { path: socket.path } : {}),
    max,
    onnotice: () => {},
    // ARC's bigints are money in minor units, far inside 2^53: parse them as numbers, loudly refusing
    // any value that would lose precision.
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (value: number | bigint) => String(value),
        parse: parseSafeInteger,
      },
    },
    connection: { application_name: "arc", ...(tuning.oltp ? { jit: "off" } : {}) },
    ...(countingQueries ? { debug: countQuery } : {}),
  });
}

/**
 * libpq's way of naming a Unix socket in a URL, `postgres://user@localhost/db?host=/var/run/postgresql`:
 * the socket's directory in the `host` parameter. node-postgres (pg-boss, the checkpointer) reads it
 * so; postgres.js takes a socket only as an option (and would send `host` to the server as a setting),
 * so it gets the socket's path and the URL without the parameter. A socket skips loopback TCP, whose
 * per-message cost both ARC and the server pay on every round trip.
 */
export function unixSocket(url: string): { url: string; path: string } | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null; // postgres.js reports a malformed URL itself
  }
  const directory = parsed.searchParams.get("host");
  if (!directory?.startsWith("/")) return null;
  parsed.searchParams.delete("host");
  const port = parsed.port || "5432";
  return { url: parsed.toString(), path: `${directory.replace(/\/+$/, "")}/.s.PGSQL.${port}` };
}

/**
 * ARC_DB_PREPARED_STATEMENTS=off turns prepared statements off, for a connection pooler that cannot
 * keep them (PgBouncer in transaction mode before 1.21, or without max_prepared_statements).
 */
export function preparedStatementsWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.ARC_DB_PREPARED_STATEMENTS?.trim().toLowerCase();
  if (value === undefined || value === "" || value === "on") return true;
  if (value === "off") return false;
  throw new Error(`ARC_DB_PREPARED_STATEMENTS: expected "on" or "off", got ${JSON.stringify(value)}`);
}

/**
 * The client drizzle is given on a real server: its queries prepared. drizzle sends each query
 * unprepared, and postgres.js then describes a query with parameters before executing it — two round
 * trips, and the server parses and plans it every time. Prepared (a named statement per connection
 * and query text, which postgres.js keeps), a query is one round trip after its first, and the
 * server reuses the parse and, where it pays, the plan. Transactions and savepoints hand drizzle
 * clients of their own, so those are wrapped too. Not on the embedded server: its connections share
 * one session, which would keep every connection's statements for as long as it runs.
 */
export function preparingStatements(sql: postgres.Sql): postgres.Sql {
  type Work = (client: postgres.Sql) => unknown;
  const wrapWork = (args: unknown[]) => {
    const work = args.pop() as Work;
    return [...args, (client: postgres.Sql) => work(preparingStatements(client))];
  };
  return new Proxy(sql, {
    get(target, property, receiver) {
      switch (property) {
        case "unsafe":
          return (query: string, params?: unknown[], options?: postgres.UnsafeQueryOptions) =>
            target.unsafe(query, params as never, { ...options, prepare: true });
        case "begin":
          return (...args: unknown[]) => (target.begin as (...a: unknown[]) => unknown)(...wrapWork(args));
        case "savepoint":
          return (...args: unknown[]) =>
            (target as unknown as { savepoint: (...a: unknown[]) => unknown }).savepoint(...wrapWork(args));
        default:
          return Reflect.get(target, property, receiver);
      }
    },
  });
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}

function parseSafeInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`bigint ${text} exceeds the safe integer range`);
  return value;
}

/** Applies drizzle-kit's migrations, serialised across processes by an advisory lock. */
export async function migrateDatabase(url: string): Promise<void> {
  const sql = createClient(url, 1);
  try {
    await sql`select pg_advisory_lock(hashtext('arc.migrate'))`;
    await migrate(drizzle(sql), { migrationsFolder: MIGRATIONS_DIR, migrationsSchema: "arc_meta" });
    await sql`select pg_advisory_unlock(hashtext('arc.migrate'))`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** A throwaway database (tests, evals): kind says which it is, close drops it. */
export interface ScratchDatabase extends Database {
  /** "pglite" or "postgres": lets a caller name what it ran on, never to skip a path. */
  kind: "pglite" | "postgres";
}

/**
 * A fresh, migrated, throwaway database: a new database on the PostgreSQL server `serverUrl` names
 * (dropped on close), or without one an in-memory PGlite served on loopback. Both are migrated from
 * empty through the same code path the product uses.
 */
export async function openScratchDatabase(
  serverUrl?: string,
  namePrefix = "arc_scratch",
): Promise<ScratchDatabase> {
  if (serverUrl) {
    const name = `${namePrefix}_${process.pid}_${randomBytes(4).toString("hex")}`;
    const admin = createClient(serverUrl, 1);
    await admin.unsafe(`create database ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    await migrateDatabase(url.toString());
    const database = await openDatabase({ url: url.toString(), migrate: false, maxConnections: 8 });
    return {
      ...database,
      kind: "postgres",
      async close() {
        await database.close();
        await admin.unsafe(`drop database if exists ${name} with (force)`);
        await admin.end({ timeout: 5 });
      },
    };
  }
  const server = await serveEmbedded(undefined);
  const database = await openDatabase({ url: server.url, maxConnections: 1, embeddedServer: true });
  return {
    ...database,
    embedded: true,
    kind: "pglite",
    async close() {
      await database.close();
      await server.stop();
    },
  };
}

export interface EmbeddedServer {
  url: string;
  /** Stops the server if this process started it; a joined server is left running. */
  stop(): Promise<void>;
}

interface ServerFile {
  pid: number;
  port: number;
}

/** Serves a PGlite instance on loopback. `dataDir` undefined means in-memory (tests). */
export async function serveEmbedded(dataDir: string | undefined, port = 0): Promise<EmbeddedServer> {
  // Loaded only here: a process on a PostgreSQL server never needs the WASM database.
  const { PGlite } = await import("@electric-sql/pglite");
  const pglite = await PGlite.create(dataDir ? { dataDir } : {});
  // Several clients (postgres.js, LangGraph's pg pool, other arc processes) share the one backend;
  // embedded-server.ts keeps each client's unit of work, and its transactions, together.
  const server = await startEmbeddedPgServer(pglite, { host: "127.0.0.1", port });
  return {
    url: `postgres://postgres@127.0.0.1:${server.port}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await pglite.close();
    },
  };
}

async function startOrJoinEmbedded(dataDir: string): Promise<EmbeddedServer> {
  mkdirSync(dataDir, { recursive: true });
  const serverFile = join(dataDir, "server.json");
  const lockFile = join(dataDir, "server.lock");
  for (let attempt = 0; attempt < 50; attempt++) {
    const running = readServerFile(serverFile);
    if (running && isAlive(running.pid) && (await acceptsConnections(running.port))) {
      return {
        url: `postgres://postgres@127.0.0.1:${running.port}/postgres?sslmode=disable`,
        stop: async () => {},
      };
    }
    let lock: number;
    try {
      lock = openSync(lockFile, "wx");
    } catch {
      // Another process is starting the server, or died while holding the lock.
      const holder = Number(readFileSafe(lockFile));
      if (!holder || !isAlive(holder)) rmSync(lockFile, { force: true });
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    try {
      writeFileSync(lock, String(process.pid));
      const server = await serveEmbedded(join(dataDir, "pgdata"), Number(process.env.ARC_EMBEDDED_PORT ?? 0));
      const port = Number(new URL(server.url).port);
      writeFileSync(serverFile, JSON.stringify({ pid: process.pid, port } satisfies ServerFile));
      return {
        url: server.url,
        async stop() {
          await server.stop();
          if (readServerFile(serverFile)?.pid === process.pid) rmSync(serverFile, { force: true });
        },
      };
    } finally {
      closeSync(lock);
      rmSync(lockFile, { force: true });
    }
  }
  throw new Error(
    `could not start or join the embedded database in ${dataDir} (lock ${lockFile} stays taken)`,
  );
}

function readServerFile(path: string): ServerFile | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as ServerFile;
    return Number.isInteger(parsed.pid) && Number.isInteger(parsed.port) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolvePromise(true);
    });
    socket.once("error", () => resolvePromise(false));
  });
}
