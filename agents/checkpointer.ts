// Durable pauses: LangGraph's PostgresSaver on ARC's own database (embedded or real), in a schema
// of its own. A thread paused for approval survives a process restart.
import type { RunnableConfig } from "@langchain/core/runnables";
import {
  BaseCheckpointSaver,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointTuple,
  MemorySaver,
  type PendingWrite,
  WRITES_IDX_MAP,
} from "@langchain/langgraph-checkpoint";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import pg from "pg";

export const CHECKPOINT_SCHEMA = "langgraph";

export interface Checkpointer {
  saver: BatchedPostgresSaver;
  close(): Promise<void>;
}

/**
 * @param url the same Postgres URL the rest of ARC uses
 * @param poolSize 1 against the embedded database (one connection per client per process)
 */
export async function openCheckpointer(url: string, poolSize = 1): Promise<Checkpointer> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, application_name: "arc-checkpoints" });
  // An idle pooled client can lose its connection (server restart, pool shutdown); pg re-emits that
  // on the pool, and an unhandled 'error' would crash the process. The next query reconnects.
  pool.on("error", () => {});
  const saver = new BatchedPostgresSaver(pool);
  // setup() creates its tables idempotently but not atomically: serialise it across processes with
  // a lock held on a connection of its own (the pool may have only one, which setup() needs). The
  // embedded database has one session for every connection, so there the lock excludes nobody: a
  // setup that loses the race to another process is repeated, and then finds the work done.
  const lock = new pg.Client({ connectionString: url, application_name: "arc-checkpoints-setup" });
  await lock.connect();
  try {
    await lock.query("select pg_advisory_lock(hashtext('arc.checkpoints.setup'))");
    for (let attempt = 1; ; attempt++) {
      try {
        await saver.setup();
        break;
      } catch (error) {
        if (attempt >= SETUP_ATTEMPTS || !lostSetupRace(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
      }
    }
    await lock.query("select pg_advisory_unlock(hashtext('arc.checkpoints.setup'))");
  } catch (error) {
    await pool.end();
    throw error;
  } finally {
    await lock.end();
  }
  return { saver, close: () => pool.end() };
}

const SETUP_ATTEMPTS = 10;

/** A checkpoint or a node's pending writes, as LangGraph hands them to a saver. */
export type CheckpointRecord =
  | {
      put: [
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        versions: ChannelVersions,
      ];
    }
  | { putWrites: [config: RunnableConfig, writes: PendingWrite[], taskId: string] };

const TABLES = {
  blobs: `"${CHECKPOINT_SCHEMA}".checkpoint_blobs`,
  checkpoints: `"${CHECKPOINT_SCHEMA}".checkpoints`,
  writes: `"${CHECKPOINT_SCHEMA}".checkpoint_writes`,
};

/**
 * LangGraph's PostgresSaver (its tables, serialisation and reads), writing fewer statements: a
 * checkpoint's channel blobs in one insert instead of one per channel (a paused account's thread has
 * fifteen), and several records in one transaction (`putMany`: a paused thread's checkpoint and
 * pending writes together). What it writes is what PostgresSaver writes, row for row.
 */
export class BatchedPostgresSaver extends PostgresSaver {
  constructor(private readonly connections: pg.Pool) {
    super(connections, undefined, { schema: CHECKPOINT_SCHEMA });
  }

  override async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    await this.putMany([{ put: [config, checkpoint, metadata, newVersions] }]);
    const { thread_id, checkpoint_ns = "" } = config.configurable ?? {};
    return { configurable: { thread_id, checkpoint_ns, checkpoint_id: checkpoint.id } };
  }

  override async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    await this.putMany([{ putWrites: [config, writes, taskId] }]);
  }

  /** Writes the records in order, in one transaction. */
  async putMany(records: readonly CheckpointRecord[]): Promise<void> {
    const statements: [string, unknown[]][] = [];
    for (const record of records) {
      if ("put" in record) statements.push(...(await this.checkpointStatements(...record.put)));
      else statements.push(await this.writesStatement(...record.putWrites));
    }
    if (statements.length === 0) return;
    const client = await this.connections.connect();
    try {
      await client.query("BEGIN");
      for (const [text, values] of statements) await client.query(text, values);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  private async checkpointStatements(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<[string, unknown[]][]> {
    if (config.configurable === undefined) throw new Error(`Missing "configurable" field in "config" param`);
    const { thread_id, checkpoint_ns = "", checkpoint_id } = config.configurable;
    const [blobs, serializedMetadata] = await Promise.all([
      this._dumpBlobs(thread_id, checkpoint_ns, checkpoint.channel_values, newVersions),
      this._dumpMetadata(metadata),
    ]);
    const statements: [string, unknown[]][] = [];
    if (blobs.length > 0)
      statements.push([
        `INSERT INTO ${TABLES.blobs} (thread_id, checkpoint_ns, channel, version, type, blob) VALUES ${rows(blobs.length, 6)}
         ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING`,
        blobs.flat(),
      ]);
    statements.push([
      `INSERT INTO ${TABLES.checkpoints} (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata`,
      [
        thread_id,
        checkpoint_ns,
        checkpoint.id,
        checkpoint_id,
        this._dumpCheckpoint(checkpoint),
        serializedMetadata,
      ],
    ]);
    return statements;
  }

  private async writesStatement(
    config: RunnableConfig,
    writes: PendingWrite[],
    taskId: string,
  ): Promise<[string, unknown[]]> {
    const { thread_id, checkpoint_ns, checkpoint_id } = config.configurable ?? {};
    const dumped = await this._dumpWrites(thread_id, checkpoint_ns, checkpoint_id, taskId, writes);
    // As PostgresSaver: writes to the special channels (errors, interrupts…) replace, others never do.
    const conflict = writes.every(([channel]) => channel in WRITES_IDX_MAP)
      ? "DO UPDATE SET channel = EXCLUDED.channel, type = EXCLUDED.type, blob = EXCLUDED.blob"
      : "DO NOTHING";
    return [
      `INSERT INTO ${TABLES.writes} (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
       VALUES ${rows(dumped.length, 8)}
       ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) ${conflict}`,
      dumped.flat(),
    ];
  }
}

/** `($1, $2), ($3, $4)`: placeholders for `count` rows of `width` values. */
function rows(count: number, width: number): string {
  return Array.from(
    { length: count },
    (_, row) =>
      `(${Array.from({ length: width }, (_, column) => `$${row * width + column + 1}`).join(", ")})`,
  ).join(", ");
}

/** Another process created the same table, type or migration row first (unique or duplicate object). */
function lostSetupRace(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === "23505" || code === "42P07" || code === "42710" || code === "42P06";
}

/**
 * A run's checkpointer. A nightly pass over an account either finishes (its checkpoints are only
 * history, pruned at once) or pauses for a collector (its checkpoint must survive restarts). So a
 * fresh thread's checkpoints are kept in memory while it runs, and written to Postgres — the same
 * calls, in order — only if it ends paused: a finished account costs the database nothing here.
 * A crash mid-account loses only the in-memory thread, and the account starts afresh (its tool calls
 * replay by idempotency key), which is what a run does with a stale thread anyway.
 */
export class PausedOnlySaver extends BaseCheckpointSaver {
  private readonly memory = new MemorySaver();
  private readonly recorded = new Map<string, CheckpointRecord[]>();

  constructor(private readonly durable: BatchedPostgresSaver) {
    super(durable.serde);
  }

  /** The thread starts empty: nothing is read from or written to Postgres until `persist`. */
  startFresh(threadId: string): void {
    this.recorded.set(threadId, []);
  }

  /** Writes what the thread checkpointed, in the order the graph wrote it and in one transaction, then forgets it. */
  async persist(threadId: string): Promise<void> {
    const records = this.recorded.get(threadId) ?? [];
    this.forget(threadId);
    await this.durable.putMany(records);
  }

  /** Drops the thread's in-memory checkpoints (it finished). */
  forget(threadId: string): void {
    this.recorded.delete(threadId);
    void this.memory.deleteThread(threadId);
  }

  private inMemory(config: RunnableConfig): boolean {
    const threadId = config.configurable?.thread_id;
    return typeof threadId === "string" && this.recorded.has(threadId);
  }

  getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    return this.inMemory(config) ? this.memory.getTuple(config) : this.durable.getTuple(config);
  }

  list(config: RunnableConfig, options?: CheckpointListOptions): AsyncGenerator<CheckpointTuple> {
    return this.inMemory(config) ? this.memory.list(config, options) : this.durable.list(config, options);
  }

  async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    if (!this.inMemory(config)) return this.durable.put(config, checkpoint, metadata, newVersions);
    this.recorded
      .get(config.configurable!.thread_id as string)!
      .push({ put: [config, checkpoint, metadata, newVersions] });
    return this.memory.put(config, checkpoint, metadata);
  }

  async putWrites(
    config: RunnableConfig,
    writes: PendingWrite[],
    taskId: string,
    taskPath?: string,
  ): Promise<void> {
    if (!this.inMemory(config)) return this.durable.putWrites(config, writes, taskId);
    this.recorded
      .get(config.configurable!.thread_id as string)!
      .push({ putWrites: [config, writes, taskId] });
    return this.memory.putWrites(config, writes, taskId, taskPath);
  }

  async deleteThread(threadId: string): Promise<void> {
    this.forget(threadId);
    await this.durable.deleteThread(threadId);
  }
}
