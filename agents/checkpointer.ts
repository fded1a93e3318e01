// Durable pauses: LangGraph's PostgresSaver on ARC's own database (embedded or real), in a schema
// of its own. A thread paused for approval survives a process restart.
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
  // a lock held on a connection of its own (the pool may have only one, which setup() needs).
  const lock = new pg.Client({ connectionString: url, application_name: "arc-checkpoints-setup" });
  await lock.connect();
  try {
    await lock.query("select pg_advisory_lock(hashtext('arc.checkpoints.setup'))");
    await saver.setup();
    await lock.query("select pg_advisory_unlock(hashtext('arc.checkpoints.setup'))");
  } finally {
    await lock.end();
  }
  return { saver, close: () => pool.end() };
}
