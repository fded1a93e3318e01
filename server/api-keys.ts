// API keys: how people and integrations authenticate to the HTTP API. A key is
// `arc_<prefix>_<secret>`: the prefix (12 hex characters) finds the row and is safe to show; the secret
// is 256 random bits. Only the sha256 of the whole key is stored, so the key is shown once, at creation.
// Creating and revoking keys writes the api_keys row and its audit entry in one transaction.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { asc, eq, sql } from "drizzle-orm";
import { appendAudit } from "../db/audit.ts";
import type { Db, Tx } from "../db/connection.ts";
import { type ApiKey, apiKeys, type Role } from "../db/schema.ts";
import type { Caller } from "../policies/types.ts";
import { ConflictError, NotFoundError } from "../tools/errors.ts";

/** How often a key's last_used_at is refreshed: a write per request would be noise. */
const LAST_USED_RESOLUTION_MS = 60_000;
const KEY_PATTERN = /^arc_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** A key as listed: everything but the hash. */
export type ApiKeyInfo = Omit<ApiKey, "keyHash">;

export interface CreatedApiKey {
  key: ApiKeyInfo;
  /** The whole key. Shown once; only its hash is kept. */
  secret: string;
}

function hashKey(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

function info(row: ApiKey): ApiKeyInfo {
  const { keyHash: _hash, ...rest } = row;
  return rest;
}

export async function createApiKey(
  db: Db,
  options: { name: string; role: Role },
  actor: string,
): Promise<CreatedApiKey> {
  return db.transaction((tx) => insertKey(tx, options, actor));
}

/** A fresh key's row and its audit entry, inside the caller's transaction. */
async function insertKey(
  tx: Tx,
  options: { name: string; role: Role; bootstrap?: boolean },
  actor: string,
): Promise<CreatedApiKey> {
  const prefix = randomBytes(6).toString("hex");
  const secret = `arc_${prefix}_${randomBytes(32).toString("base64url")}`;
  const [row] = await tx
    .insert(apiKeys)
    .values({ name: options.name, role: options.role, prefix, keyHash: hashKey(secret) })
    .returning();
  await appendAudit(tx, {
    actor,
    event: "api_key.created",
    entityType: "api_key",
    entityId: row!.id,
    data: { name: row!.name, role: row!.role, prefix, ...(options.bootstrap ? { bootstrap: true } : {}) },
  });
  return { key: info(row!), secret };
}

export async function listApiKeys(db: Db): Promise<ApiKeyInfo[]> {
  const rows = await db.select().from(apiKeys).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
  return rows.map(info);
}

/** Revokes a key by id or prefix. A key already revoked is a conflict (it names when). */
export async function revokeApiKey(db: Db, idOrPrefix: string, actor: string): Promise<ApiKeyInfo> {
  const byId = /^[0-9a-f-]{36}$/i.test(idOrPrefix);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(apiKeys)
      .where(byId ? eq(apiKeys.id, idOrPrefix) : eq(apiKeys.prefix, idOrPrefix))
      .for("update");
    if (!row) throw new NotFoundError(`no API key ${idOrPrefix}`);
    if (row.revokedAt) {
      throw new ConflictError(
        `API key ${row.prefix} (${row.name}) was already revoked at ${row.revokedAt.toISOString()}`,
      );
    }
    const [revoked] = await tx
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(eq(apiKeys.id, row.id))
      .returning();
    await appendAudit(tx, {
      actor,
      event: "api_key.revoked",
      entityType: "api_key",
      entityId: row.id,
      data: { name: row.name, role: row.role, prefix: row.prefix },
    });
    return info(revoked!);
  });
}

export type KeyCheck =
  | { ok: true; key: ApiKeyInfo; caller: Caller }
  | { ok: false; reason: "malformed" | "unknown" | "revoked" };

/** The key a request presented, checked against its stored hash in constant time. */
export async function authenticateApiKey(db: Db, presented: string, now = new Date()): Promise<KeyCheck> {
  const match = KEY_PATTERN.exec(presented);
  if (!match) return { ok: false, reason: "malformed" };
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.prefix, match[1]!));
  if (!row) return { ok: false, reason: "unknown" };
  const expected = Buffer.from(row.keyHash, "hex");
  const actual = Buffer.from(hashKey(presented), "hex");
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    return { ok: false, reason: "unknown" };
  }
  return acceptKey(db, row, now);
}

/**
 * A key already authenticated once, checked again by id: the web inbox's sessions keep the key's id,
 * never the key, and a key revoked since sign-in ends its sessions at their next request.
 */
export async function recheckApiKey(db: Db, keyId: string, now = new Date()): Promise<KeyCheck> {
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, keyId));
  if (!row) return { ok: false, reason: "unknown" };
  return acceptKey(db, row, now);
}

async function acceptKey(db: Db, row: ApiKey, now: Date): Promise<KeyCheck> {
  if (row.revokedAt) return { ok: false, reason: "revoked" };
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, row.id));
  }
  return { ok: true, key: info(row), caller: apiCaller(row) };
}

/** The runner's caller for a key: kind "api", the key's role, named so the audit log says which key. */
export function apiCaller(key: Pick<ApiKey, "name" | "prefix" | "role">): Caller {
  return { kind: "api", id: `${key.name}@${key.prefix}`, role: key.role };
}

/**
 * On a ledger with no API keys at all (revoked ones count: someone has managed keys), creates the
 * first admin key. Serialised by an advisory lock so two first starts create one key between them.
 */
export async function createBootstrapKeyIfNone(db: Db, actor: string): Promise<CreatedApiKey | null> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('arc.api_keys.bootstrap'))`);
    const [existing] = await tx.select({ id: apiKeys.id }).from(apiKeys).limit(1);
    if (existing) return null;
    return insertKey(tx, { name: "bootstrap-admin", role: "admin", bootstrap: true }, actor);
  });
}
