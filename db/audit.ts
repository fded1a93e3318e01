// The audit log: append-only and hash-chained. Each entry's hash covers its own content and the
// previous entry's hash, and `seq` is assigned gap-free under a transaction-scoped advisory lock
// (inside the database: arc_audit_append, migration 0012), so
// an edited row breaks its hash, a deleted row leaves a hole in `seq` (or breaks the next row's
// link), and reordering breaks the chain. Deleting the newest rows is only visible against a head
// hash kept elsewhere: `arc audit verify` prints the head so it can be anchored outside the database.
import { createHash } from "node:crypto";
import { asc, gt, type SQLWrapper, sql } from "drizzle-orm";
import type { DbOrTx } from "./connection.ts";
import { auditLog } from "./schema.ts";

export const GENESIS_HASH = "0".repeat(64);

export interface AuditEvent {
  actor: string;
  event: string;
  entityType?: string;
  entityId?: string;
  actionId?: string;
  data?: unknown;
}

interface HashedContent {
  seq: number;
  at: string;
  actor: string;
  event: string;
  entityType: string | null;
  entityId: string | null;
  actionId: string | null;
  data: unknown;
}

/** JSON with object keys sorted at every depth, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

export function hashEntry(prevHash: string, content: HashedContent): string {
  return createHash("sha256").update(prevHash).update("\n").update(canonicalJson(content)).digest("hex");
}

/** Stand-ins for the values the database decides (db/migrations/0012_audit_append.sql). */
const AT_TOKEN = JSON.stringify("\u0000arc:at\u0000");
const SEQ_TOKEN = JSON.stringify("\u0000arc:seq\u0000");

/**
 * Appends one entry inside the caller's transaction, in one round trip: arc_audit_append takes the
 * chain's advisory lock (held until that transaction ends, which keeps `seq` gap-free and the chain
 * linear), reads the newest entry and inserts the next, stamping `at` and `seq` under the lock. The
 * entry's canonical JSON is made here, with stand-ins for those two values (no text stored in the
 * database can contain them: it holds no NUL), and sent in the three pieces around them.
 */
export async function appendAudit(
  tx: DbOrTx,
  event: AuditEvent,
  options: {
    /**
     * A data-modifying statement the entry records (an action marked executed), run in the same
     * statement as the append — a CTE, one round trip instead of two.
     */
    alongside?: SQLWrapper;
  } = {},
): Promise<{ seq: number; hash: string }> {
  // Normalise through JSON once, so what is hashed is exactly what jsonb stores and returns.
  const data = JSON.parse(JSON.stringify(event.data ?? {}));
  const content = {
    actor: event.actor,
    event: event.event,
    entityType: event.entityType ?? null,
    entityId: event.entityId ?? null,
    actionId: event.actionId ?? null,
    data,
  };
  const json = canonicalJson({ ...content, at: JSON.parse(AT_TOKEN), seq: JSON.parse(SEQ_TOKEN) });
  const atAt = json.indexOf(AT_TOKEN);
  const seqAt = json.indexOf(SEQ_TOKEN, atAt + AT_TOKEN.length);
  const alongside = options.alongside ? sql`with alongside as (${options.alongside.getSQL()}) ` : sql``;
  const [row] = await tx.execute<{ seq: number; hash: string }>(sql`
    ${alongside}select seq::int8 as seq, hash from arc_audit_append(${content.actor}, ${content.event},
      ${content.entityType}, ${content.entityId}, ${content.actionId}::uuid, ${JSON.stringify(data)}::jsonb,
      ${json.slice(0, atAt)}, ${json.slice(atAt + AT_TOKEN.length, seqAt)}, ${json.slice(seqAt + SEQ_TOKEN.length)})`);
  return { seq: Number(row!.seq), hash: row!.hash };
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  /** Hash of the newest entry: anchor it outside the database to detect truncation of the tail. */
  headHash: string;
  headSeq: number;
  problems: { seq: number; problem: string }[];
}

/** Walks the whole chain in batches and reports every inconsistency it finds. */
export async function verifyAudit(
  db: DbOrTx,
  options: { batchSize?: number } = {},
): Promise<AuditVerification> {
  const batchSize = options.batchSize ?? 5000;
  const problems: { seq: number; problem: string }[] = [];
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let entries = 0;
  let cursor = 0;
  for (;;) {
    const rows = await db
      .select()
      .from(auditLog)
      .where(gt(auditLog.seq, cursor))
      .orderBy(asc(auditLog.seq))
      .limit(batchSize);
    if (rows.length === 0) break;
    for (const row of rows) {
      entries++;
      if (row.seq !== expectedSeq) {
        problems.push({
          seq: row.seq,
          problem:
            row.seq > expectedSeq
              ? `entries ${expectedSeq}..${row.seq - 1} are missing (deleted)`
              : `sequence went backwards (expected ${expectedSeq})`,
        });
      }
      if (row.prevHash !== prevHash) {
        problems.push({
          seq: row.seq,
          problem: "prev_hash does not match the previous entry's hash (chain broken)",
        });
      }
      const recomputed = hashEntry(row.prevHash, {
        seq: row.seq,
        at: new Date(row.at).toISOString(),
        actor: row.actor,
        event: row.event,
        entityType: row.entityType,
        entityId: row.entityId,
        actionId: row.actionId,
        data: row.data,
      });
      if (recomputed !== row.hash) {
        problems.push({ seq: row.seq, problem: "content does not match its hash (entry edited)" });
      }
      prevHash = row.hash;
      expectedSeq = row.seq + 1;
      cursor = row.seq;
    }
  }
  return { ok: problems.length === 0, entries, headHash: prevHash, headSeq: expectedSeq - 1, problems };
}
