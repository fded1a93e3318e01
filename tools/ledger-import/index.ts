// `arc import ledger`, the core: CSV exports of an accounting system (customer list, open invoices /
// aging, payments) → ARC's ledger, idempotently.
//
//   const prepared = prepareLedgerImport({ customers: csv1, invoices: csv2 }, "quickbooks");
//   if (!prepared.ok) report(prepared.errors);            // every bad row, by line and column
//   else await db.transaction((tx) => applyLedgerImport(tx, prepared.plan));
//
// prepareLedgerImport reads and checks the files on their own (nothing touches the database);
// checkLedgerImport adds the checks that need the ledger, read-only; applyLedgerImport repeats those
// inside the caller's transaction and writes, or throws LedgerImportError having written nothing.
// Policy, audit and CLI concerns belong to the caller (the import_ledger tool).
import type { DbOrTx, Tx } from "../../db/connection.ts";
import { ENTITIES, type Entity, loadMapping } from "./mapping.ts";
import {
  type MappingInput,
  type NormalizedContact,
  type NormalizedCustomer,
  type NormalizedInvoice,
  type NormalizedPayment,
  parseLedgerFile,
  type RowError,
} from "./parse.ts";
import { type ImportOptions, type ImportSummary, importLedger, validateLedgerImport } from "./upsert.ts";

export * from "./mapping.ts";
export * from "./parse.ts";
export * from "./upsert.ts";

/** The export files' contents, per entity: text, or bytes decoded with the mapping's encoding. */
export interface LedgerFiles {
  customers?: string | Uint8Array;
  contacts?: string | Uint8Array;
  invoices?: string | Uint8Array;
  payments?: string | Uint8Array;
}

/** Everything parsed and checked, ready to write; plain data (JSON-serializable). */
export interface LedgerImportPlan {
  mapping: string;
  /** Absent entities were not imported (their missingFromFile stays null). */
  customers?: NormalizedCustomer[];
  contacts?: NormalizedContact[];
  invoices?: NormalizedInvoice[];
  payments?: NormalizedPayment[];
  /** Per entity, ARC field → the column title in its file. */
  columns: Partial<Record<Entity, Partial<Record<string, string>>>>;
  /** Per entity, rows left out by the mapping's filter or because they were blank. */
  skippedRows: Partial<Record<Entity, number>>;
}

export type PrepareResult = { ok: true; plan: LedgerImportPlan } | { ok: false; errors: RowError[] };

/**
 * Parses and checks every given file against the mapping. Throws MappingError when the mapping itself
 * is wrong (including a file for an entity the mapping does not cover); problems in the files come back
 * as `{ ok: false, errors }`, every one with its line.
 */
export function prepareLedgerImport(files: LedgerFiles, mapping: MappingInput): PrepareResult {
  const resolved = loadMapping(mapping);
  const plan: LedgerImportPlan = { mapping: resolved.name, columns: {}, skippedRows: {} };
  const errors: RowError[] = [];
  for (const entity of ENTITIES) {
    const file = files[entity];
    if (file === undefined) continue;
    const result = parseLedgerFile(entity, file, resolved);
    errors.push(...result.errors);
    plan.columns[entity] = result.columns;
    plan.skippedRows[entity] = result.skippedRows;
    (plan as unknown as Record<Entity, unknown[]>)[entity] = result.rows;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, plan };
}

/** The checks that need the ledger (customer and invoice references, amounts vs. what is paid), read-only. */
export async function checkLedgerImport(db: DbOrTx, plan: LedgerImportPlan): Promise<RowError[]> {
  return (await validateLedgerImport(db, plan)).errors;
}

/** Writes the plan in `tx`; throws LedgerImportError (nothing written) when the ledger refuses a row. */
export function applyLedgerImport(
  tx: Tx,
  plan: LedgerImportPlan,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  return importLedger(tx, { ...plan, options });
}
