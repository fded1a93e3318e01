// Policy versions uploaded through the API. Which document judges actions, strongest first:
//   1. ARC_POLICY_FILE (an operator pinned one; uploads are stored but wait until it is unset),
//   2. the newest uploaded version,
//   3. the built-in default.
// An upload is validated by the same code as `arc policy check` before anything is stored, and the
// row and its audit entry are written in one transaction.
import { createHash } from "node:crypto";
import { desc, eq } from "drizzle-orm";
import { appendAudit, canonicalJson } from "../db/audit.ts";
import type { Db } from "../db/connection.ts";
import { type PolicyVersion, policyVersions } from "../db/schema.ts";
import {
  complianceWarnings,
  DEFAULT_POLICY,
  loadPolicyFile,
  type PolicyDocument,
  validatePolicyDocument,
} from "../policies/index.ts";
import { ConflictError } from "../tools/errors.ts";

export type PolicySource =
  | { kind: "default" }
  | { kind: "file"; path: string }
  | { kind: "uploaded"; id: string; uploadedBy: string; uploadedAt: string };

export interface ActivePolicy {
  policy: PolicyDocument;
  source: PolicySource;
}

/** A stored version as listed (without the document). */
export type PolicyVersionInfo = Omit<PolicyVersion, "document">;

export async function resolveActivePolicy(db: Db, pinnedFile: string | undefined): Promise<ActivePolicy> {
  if (pinnedFile) {
    const loaded = loadPolicyFile(pinnedFile);
    if (!loaded.ok) throw new Error(`policy file ${pinnedFile} is invalid:\n  ${loaded.errors.join("\n  ")}`);
    return { policy: loaded.policy, source: { kind: "file", path: pinnedFile } };
  }
  const [latest] = await db.select().from(policyVersions).orderBy(desc(policyVersions.createdAt)).limit(1);
  if (!latest) return { policy: DEFAULT_POLICY, source: { kind: "default" } };
  const checked = validatePolicyDocument(latest.document);
  if (!checked.ok) {
    // Never fall back to the default silently: it may be looser than what the operator uploaded.
    throw new Error(
      `the active policy version ${latest.version} (uploaded by ${latest.uploadedBy}) no longer validates:\n  ` +
        `${checked.errors.join("\n  ")}\nSet ARC_POLICY_FILE to a valid document to start, then upload a fixed version.`,
    );
  }
  return { policy: checked.policy, source: uploadedSource(latest) };
}

function uploadedSource(row: PolicyVersion): PolicySource {
  return {
    kind: "uploaded",
    id: row.id,
    uploadedBy: row.uploadedBy,
    uploadedAt: row.createdAt.toISOString(),
  };
}

export interface UploadedPolicy {
  version: PolicyVersionInfo;
  source: PolicySource;
  /** Valid, but looser than the consumer-protection floor the default follows. */
  warnings: string[];
}

/**
 * Stores a validated document as a new version. Its version string must be new: every judged action
 * records the version that judged it, so one version may name only one set of numbers.
 */
export async function storePolicyVersion(
  db: Db,
  policy: PolicyDocument,
  actor: string,
): Promise<UploadedPolicy> {
  if (policy.version === DEFAULT_POLICY.version) {
    throw new ConflictError(
      `version "${policy.version}" is the built-in default's; give the uploaded document a version of its own`,
    );
  }
  const sha256 = createHash("sha256").update(canonicalJson(policy)).digest("hex");
  const row = await db
    .transaction(async (tx) => {
      const [existing] = await tx
        .select({ uploadedBy: policyVersions.uploadedBy, createdAt: policyVersions.createdAt })
        .from(policyVersions)
        .where(eq(policyVersions.version, policy.version));
      if (existing) {
        throw new ConflictError(
          `policy version "${policy.version}" was already uploaded by ${existing.uploadedBy} at ${existing.createdAt.toISOString()}; bump the version`,
        );
      }
      const [inserted] = await tx
        .insert(policyVersions)
        .values({ version: policy.version, document: policy, sha256, uploadedBy: actor })
        .returning();
      await appendAudit(tx, {
        actor,
        event: "policy.uploaded",
        entityType: "policy_version",
        entityId: inserted!.id,
        data: { version: policy.version, sha256 },
      });
      return inserted!;
    })
    .catch((error: unknown) => {
      // Two uploads of one version at once: the unique key lets one in; the other is the same conflict.
      if (isUniqueViolation(error))
        throw new ConflictError(`policy version "${policy.version}" was just uploaded`);
      throw error;
    });
  const { document: _document, ...version } = row;
  return { version, source: uploadedSource(row), warnings: complianceWarnings(policy) };
}

export async function listPolicyVersions(db: Db): Promise<PolicyVersionInfo[]> {
  return db
    .select({
      id: policyVersions.id,
      version: policyVersions.version,
      sha256: policyVersions.sha256,
      uploadedBy: policyVersions.uploadedBy,
      createdAt: policyVersions.createdAt,
    })
    .from(policyVersions)
    .orderBy(desc(policyVersions.createdAt));
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; cause?: unknown };
  return e?.code === "23505" || (e?.cause !== undefined && isUniqueViolation(e.cause));
}
