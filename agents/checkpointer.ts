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
} from "@langchain/langgraph-checkpoint";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import pg from "pg";

export const CHECKPOINT_SCHEMA = "langgraph";

export interface Checkpointer {
  saver: PostgresSaver;
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
  const saver = new PostgresSaver(pool, undefined, { schema: CHECKPOINT_SCHEMA });
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
  private readonly recorded = new Map<string, (() => Promise<unknown>)[]>();

  constructor(private readonly durable: BaseCheckpointSaver) {
    super(durable.serde);
  }

  /** The thread starts empty: nothing is read from or written to Postgres until `persist`. */
  startFresh(threadId: string): void {
    this.recorded.set(threadId, []);
  }

  /** Writes what the thread checkpointed, in the order the graph wrote it, then forgets it. */
  async persist(threadId: string): Promise<void> {
    const calls = this.recorded.get(threadId) ?? [];
    this.forget(threadId);
    for (const call of calls) await call();
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
      .push(() => this.durable.put(config, checkpoint, metadata, newVersions));
    return this.memory.put(config, checkpoint, metadata);
  }

  async putWrites(
    config: RunnableConfig,
    writes: PendingWrite[],
    taskId: string,
    taskPath?: string,
  ): Promise<void> {
    if (!this.inMemory(config)) return this.durable.putWrites(config, writes, taskId, taskPath);
    this.recorded
      .get(config.configurable!.thread_id as string)!
      .push(() => this.durable.putWrites(config, writes, taskId, taskPath));
    return this.memory.putWrites(config, writes, taskId, taskPath);
  }

  async deleteThread(threadId: string): Promise<void> {
    this.forget(threadId);
    await this.durable.deleteThread(threadId);
  }
}
