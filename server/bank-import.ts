// A bank statement into the ledger, the same way from the CLI and the HTTP API: the import_bank_file
// tool, then payer identification for what arrived (identify_payments), both through the runner. The
// preview (dry run) parses the file and marks each transaction new, already imported or skipped,
// writing nothing.
import { inArray } from "drizzle-orm";
import type { Db } from "../db/connection.ts";
import { payments } from "../db/schema.ts";
import type { CallOptions, ToolResult } from "../tools/runner.ts";
import { type BankImportInput, bankPaymentRef, planBankImport } from "../tools/write/import-bank-file.ts";
import type { Arc } from "./context.ts";

export interface BankImportOutput {
  bankImportId: string;
  file: string;
  format: string;
  statements: number;
  warnings: string[];
  imported: number;
  duplicates: number;
  paymentIds: string[];
  skipped: {
    account: string;
    location: string;
    date: string;
    amountMinor: number;
    currency: string;
    reason: string;
    why: string;
  }[];
}

export interface IdentifyOutput {
  payments: number;
  byMethod: Record<string, number>;
}

export interface BankImportOutcome {
  result: ToolResult<BankImportOutput>;
  /** Payer identification of the imported payments; absent when nothing was imported. */
  identification?: ToolResult<IdentifyOutput>;
}

/** Imports the file through the runner and, when it executed, identifies the payers of what arrived. */
export async function importBankStatement(
  arc: Arc,
  input: BankImportInput | Record<string, unknown>,
  options: CallOptions,
): Promise<BankImportOutcome> {
  const result = await arc.runner.call<BankImportOutput>("import_bank_file", input, options);
  if (result.status !== "executed") return { result };
  const identification = await arc.runner.call<IdentifyOutput>(
    "identify_payments",
    { paymentIds: result.output.paymentIds },
    { caller: options.caller },
  );
  return { result, identification };
}

/** Transaction by transaction, what an import of this file would do (snake_case, as `arc import bank --dry-run --json`). */
export interface BankImportPreview {
  format: string;
  file: string;
  sha256: string;
  warnings: string[];
  statements: {
    account: string;
    currency: string | null;
    statement_id: string | null;
    from_date: string | null;
    to_date: string | null;
    opening_balance_minor: number | null;
    closing_balance_minor: number | null;
    transactions: PreviewTransaction[];
  }[];
}

export interface PreviewTransaction {
  date: string;
  value_date: string | null;
  amount_minor: number;
  currency: string;
  counterparty: string | null;
  counterparty_account: string | null;
  reference: string | null;
  bank_reference: string | null;
  remittance: string | null;
  structured_references: string[];
  type_code: string | null;
  is_return: boolean;
  charges_minor: number | null;
  original: { amount_minor: number; currency: string } | null;
  location: string;
  import: "new" | "already_imported" | "skipped";
  skip_reason?: string;
}

/**
 * Parses the file (throwing ToolInputError naming the line or element when it is malformed) and marks
 * each transaction: "new", "already_imported" (its fingerprint is a payment already) or "skipped".
 */
export async function previewBankImport(db: Db, input: BankImportInput): Promise<BankImportPreview> {
  const plan = planBankImport(input);
  const refs = plan.receipts.map((r) => bankPaymentRef(r.transaction));
  const known = new Set<string>();
  // In chunks, so a large statement stays under the protocol's parameter limit.
  for (let i = 0; i < refs.length; i += 1000) {
    const rows = await db
      .select({ externalRef: payments.externalRef })
      .from(payments)
      .where(inArray(payments.externalRef, refs.slice(i, i + 1000)));
    for (const row of rows) known.add(row.externalRef);
  }
  const skippedBy = new Map(plan.skipped.map((s) => [s.transaction, s.reason]));
  return {
    format: plan.parsed.format,
    file: plan.fileName,
    sha256: plan.sha256,
    warnings: plan.parsed.warnings,
    statements: plan.parsed.statements.map((statement) => ({
      account: statement.account,
      currency: statement.currency,
      statement_id: statement.statementId,
      from_date: statement.fromDate,
      to_date: statement.toDate,
      opening_balance_minor: statement.openingBalanceMinor,
      closing_balance_minor: statement.closingBalanceMinor,
      transactions: statement.transactions.map((t): PreviewTransaction => {
        const skip = skippedBy.get(t);
        return {
          date: t.date,
          value_date: t.valueDate,
          amount_minor: t.amountMinor,
          currency: t.currency,
          counterparty: t.counterparty,
          counterparty_account: t.counterpartyAccount,
          reference: t.reference,
          bank_reference: t.bankReference,
          remittance: t.remittance,
          structured_references: t.structuredReferences,
          type_code: t.typeCode,
          is_return: t.isReturn,
          charges_minor: t.chargesMinor,
          original: t.original
            ? { amount_minor: t.original.amountMinor, currency: t.original.currency }
            : null,
          location: t.location,
          import: skip ? "skipped" : known.has(bankPaymentRef(t)) ? "already_imported" : "new",
          ...(skip ? { skip_reason: skip } : {}),
        };
      }),
    })),
  };
}
