// The embedded database's wire-protocol server: PGlite (one Postgres backend, one session) shared by
// several client connections on loopback.
//
// Why not pglite-socket's own server: it queues connections' messages one at a time and keeps only
// *transactions* together, so outside a transaction two clients' extended-protocol messages
// interleave (A: Parse/Bind, B: Parse/Bind, A: Execute …) and one client runs the other's unnamed
// statement or portal — seen here as "unnamed prepared statement does not exist" once LangGraph's
// checkpointer (pg) and the tools (postgres.js) worked side by side. This server runs each
// client's messages up to a synchronisation point (Sync, simple Query, Flush, CopyDone/CopyFail)
// as one unit, and while a client is inside a transaction nobody else gets the backend.
import { createServer, type Server, type Socket } from "node:net";
import type { PGlite } from "@electric-sql/pglite";

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
/** Marks the next message of a batch as ARC's own, whose response the client must not see. */
const SILENT_CLOSE_MARK = new Uint8Array(0);
/** Message types after which the client waits for the server: the end of a unit of work. */
const BATCH_ENDS = new Set(["S", "Q", "H", "c", "f"]);

export interface EmbeddedPgServer {
  port: number;
  stop(): Promise<void>;
}

export async function startEmbeddedPgServer(
  pglite: PGlite,
  options: { host?: string; port?: number } = {},
): Promise<EmbeddedPgServer> {
  await pglite.waitReady;
  const engine = new EngineLock(pglite);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const connection = new Connection(socket, pglite, engine);
    socket.on("close", () => {
      sockets.delete(socket);
      void connection.closed();
    });
    socket.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("embedded server has no TCP address");
  return {
    port: address.port,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.idle();
    },
  };
}

/** Who has the backend: one connection at a time, for a batch, or for a whole transaction. */
class EngineLock {
  private owner: Connection | null = null;
  private readonly waiting: { connection: Connection; grant: () => void }[] = [];

  constructor(readonly pglite: PGlite) {}

  async acquire(connection: Connection): Promise<void> {
    if (this.owner === connection) return;
    if (this.owner === null && this.waiting.length === 0) {
      this.owner = connection;
      return;
    }
    await new Promise<void>((grant) => this.waiting.push({ connection, grant }));
  }

  /** Keeps the backend for `connection` while its transaction is open. */
  release(connection: Connection): void {
    if (this.owner !== connection || this.pglite.isInTransaction()) return;
    this.handOver();
  }

  /** The connection went away: undo its open transaction and give the backend to the next. */
  async abandon(connection: Connection): Promise<void> {
    this.waiting.splice(0, this.waiting.length, ...this.waiting.filter((w) => w.connection !== connection));
    if (this.owner !== connection) return;
    if (this.pglite.isInTransaction()) await this.pglite.exec("ROLLBACK").catch(() => undefined);
    this.handOver();
  }

  async idle(): Promise<void> {
    while (this.owner !== null || this.waiting.length > 0) await new Promise((r) => setTimeout(r, 5));
  }

  private handOver(): void {
    const next = this.waiting.shift();
    this.owner = next?.connection ?? null;
    next?.grant();
  }
}

let nextConnectionId = 1;

const cstringEnd = (message: Uint8Array, from: number) => message.indexOf(0, from);

/** A protocol message with type byte `type` and the given body. */
function frame(type: string, body: Buffer): Uint8Array {
  const message = Buffer.alloc(5 + body.length);
  message.write(type, 0, "latin1");
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return new Uint8Array(message);
}

class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  /** This connection's stand-in for the unnamed prepared statement. */
  private readonly unnamed = `arc_unnamed_${nextConnectionId++}`;
  private started = false;
  private batch: Uint8Array[] = [];
  private work: Promise<void> = Promise.resolve();
  private open = true;

  constructor(
    private readonly socket: Socket,
    private readonly pglite: PGlite,
    private readonly engine: EngineLock,
  ) {
    socket.on("data", (chunk: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this.drain();
    });
  }

  closed(): Promise<void> {
    this.open = false;
    this.work = this.work.then(() => this.engine.abandon(this));
    return this.work;
  }

  private drain(): void {
    for (;;) {
      if (!this.started) {
        if (this.buffer.length < 8) return;
        const length = this.buffer.readInt32BE(0);
        if (this.buffer.length < length) return;
        const code = this.buffer.readInt32BE(4);
        const message = this.take(length);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          this.socket.write("N");
          continue;
        }
        if (code === CANCEL_REQUEST) {
          this.socket.end();
          return;
        }
        if (code !== PROTOCOL_3) {
          this.socket.destroy();
          return;
        }
        this.started = true;
        this.schedule([message]);
        continue;
      }
      if (this.buffer.length < 5) return;
      const length = this.buffer.readInt32BE(1) + 1;
      if (this.buffer.length < length) return;
      const type = String.fromCharCode(this.buffer[0]!);
      const message = this.take(length);
      if (type === "X") {
        // Terminate: stop serving; the client closes its end (closing ours first races its own close).
        this.open = false;
        return;
      }
      this.batch.push(...this.rename(type, message));
      if (BATCH_ENDS.has(type)) {
        const batch = this.batch;
        this.batch = [];
        this.schedule(batch);
      }
    }
  }

  /**
   * Rewrites references to the unnamed statement into this connection's own name. A Parse of it is
   * preceded by a Close of the old one, whose CloseComplete the client never sees (see schedule()).
   */
  private rename(type: string, message: Uint8Array): Uint8Array[] {
    const name = Buffer.from(`${this.unnamed}\0`, "latin1");
    const body = Buffer.from(message.subarray(5));
    if (type === "P" && body[0] === 0) {
      return [
        SILENT_CLOSE_MARK,
        frame("C", Buffer.concat([Buffer.from("S"), name])),
        frame("P", Buffer.concat([name, body.subarray(1)])),
      ];
    }
    if (type === "B") {
      const portalEnd = cstringEnd(body, 0);
      if (body[portalEnd + 1] === 0) {
        return [
          frame("B", Buffer.concat([body.subarray(0, portalEnd + 1), name, body.subarray(portalEnd + 2)])),
        ];
      }
    }
    if ((type === "D" || type === "C") && body[0] === "S".charCodeAt(0) && body[1] === 0) {
      return [frame(type, Buffer.concat([Buffer.from("S"), name]))];
    }
    return [message];
  }

  private take(length: number): Uint8Array {
    const message = new Uint8Array(this.buffer.subarray(0, length));
    this.buffer = this.buffer.subarray(length);
    return message;
  }

  /** Runs batches strictly in arrival order, each with the backend to itself. */
  private schedule(batch: Uint8Array[]): void {
    this.work = this.work.then(async () => {
      if (!this.open) return;
      await this.engine.acquire(this);
      try {
        await this.pglite.runExclusive(async () => {
          let silent = false;
          for (const message of batch) {
            if (message === SILENT_CLOSE_MARK) {
              silent = true;
              continue;
            }
            const forward = !silent;
            silent = false;
            await this.pglite.execProtocolRawStream(message, {
              // `data` is a view of PGlite's memory, reused for the next chunk once this returns;
              // a socket that cannot flush at once keeps a reference, so write a copy.
              onRawData: (data: Uint8Array) => {
                if (forward && this.open && this.socket.writable) this.socket.write(Buffer.from(data));
              },
            });
          }
        });
      } catch (error) {
        if (process.env.ARC_DEBUG_EMBEDDED) console.error("embedded server:", error);
        this.socket.destroy();
      } finally {
        this.engine.release(this);
      }
    });
  }
}
