// The ledger import as a tool: a whole set of CSV exports is one action, judged by policy (only
// admins and operators may import), written in one transaction, audited once. A file with any bad
// row imports nothing; the errors name file, line and column.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { z } from "zod";
import type { Tx } from "../../db/connection.ts";
import { defineTool } from "../define.ts";
import { type InputIssue, ToolInputError } from "../errors.ts";
import {
  applyLedgerImport,
  checkLedgerImport,
  ENTITIES,
  type LedgerFiles,
  LedgerImportError,
  type LedgerImportPlan,
  MappingError,
  prepareLedgerImport,
  type RowError,
} from "../ledger-import/index.ts";

const fileRef = z.union([
  z.object({
    path: z.string().min(1),
    /** The file's sha256 when the import was asked for; a file changed since is refused. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/, { message: "must be a hex sha256" }),
  }),
  z.object({ name: z.string().max(200).optional(), content: z.string() }),
]);

const importInput = z
  .object({
    /** A preset name (arc, quickbooks, xero) or a mapping document. */
    mapping: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
    files: z.object({
      customers: fileRef.optional(),
      contacts: fileRef.optional(),
      invoices: fileRef.optional(),
      payments: fileRef.optional(),
    }),
  })
  .refine((input) => ENTITIES.some((entity) => input.files[entity]), {
    message: "give at least one file",
    path: ["files"],
  });

type ImportInput = z.output<typeof importInput>;

// propose() and run() see the same input object within one call; parsing large files once is enough.
const prepared = new WeakMap<object, LedgerImportPlan>();

export function fileDigest(content: string | Uint8Array): string {
  return createHash("sha256").update(content).digest("hex");
}

function readFiles(input: ImportInput): LedgerFiles {
  const files: LedgerFiles = {};
  for (const entity of ENTITIES) {
    const ref = input.files[entity];
    if (!ref) continue;
    if ("content" in ref) {
      files[entity] = ref.content;
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = readFileSync(ref.path);
    } catch (error) {
      throw new ToolInputError(
        `files.${entity}.path`,
        `cannot read ${ref.path}: ${(error as Error).message}`,
      );
    }
    if (fileDigest(bytes) !== ref.sha256) {
      throw new ToolInputError(
        `files.${entity}.sha256`,
        `${ref.path} changed since the import was requested`,
      );
    }
    files[entity] = new Uint8Array(bytes);
  }
  return files;
}

function rowIssues(errors: RowError[]): InputIssue[] {
  return errors.map((e) => ({ path: `files.${e.entity}`, message: e.message }));
}

async function plan(input: ImportInput, tx: Tx): Promise<LedgerImportPlan> {
  const cached = prepared.get(input);
  if (cached) return cached;
  let result: ReturnType<typeof prepareLedgerImport>;
  try {
    result = prepareLedgerImport(readFiles(input), input.mapping as never);
  } catch (error) {
    if (error instanceof MappingError) {
      throw ToolInputError.of(error.issues.map((i) => ({ path: `mapping.${i.path}`, message: i.message })));
    }
    throw error;
  }
  if (!result.ok) throw ToolInputError.of(rowIssues(result.errors));
  const ledgerErrors = await checkLedgerImport(tx, result.plan);
  if (ledgerErrors.length > 0) throw ToolInputError.of(rowIssues(ledgerErrors));
  prepared.set(input, result.plan);
  return result.plan;
}

export const importLedger = defineTool({
  name: "import_ledger",
  description:
    "Import customers, contacts, invoices and payments from CSV exports with a column mapping (preset or custom), " +
    "upserting by external reference so a re-import is safe. Any bad row refuses the whole import, naming its line.",
  effect: "write",
  input: importInput,
  async propose(input, tx) {
    await plan(input, tx);
    return { kind: "ledger_import" };
  },
  async run(input, tx) {
    try {
      return await applyLedgerImport(tx, await plan(input, tx));
    } catch (error) {
      if (error instanceof LedgerImportError) throw ToolInputError.of(rowIssues(error.errors));
      throw error;
    }
  },
});
