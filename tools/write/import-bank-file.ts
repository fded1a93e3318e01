// A bank statement file as a tool: its receipts become payments for cash application, in one
// transaction, audited as one action. A malformed file imports nothing; the error names the line or
// element. Each transaction's fingerprint (tools/bank-files) is the payment's external reference, so
// importing the same file again, or a later statement overlapping an earlier one, adds nothing twice.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { isKnownCurrency } from "../../db/money.ts";
import { BANK_FILE_FORMATS, bankImports, payments } from "../../db/schema.ts";
import {
  BankFileError,
  type BankTransaction,
  type CsvBankMapping,
  type ParsedBankFile,
  parseBankFile,
  parseCsvBankMapping,
} from "../bank-files/index.ts";
import { defineTool } from "../define.ts";
import { ToolInputError } from "../errors.ts";
import { fileDigest } from "./import-ledger.ts";

const fileRef = z.union([
  z.object({
    path: z.string().min(1),
    /** The file's sha256 when the import was asked for; a file changed since is refused. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/, { message: "must be a hex sha256" }),
  }),
  z.object({
    name: z.string().min(1).max(200),
    content: z.string().min(1, { message: "the file is empty" }),
  }),
]);

export const bankImportInput = z.object({
  file: fileRef,
  /** Detected from the content when absent. */
  format: z.enum(BANK_FILE_FORMATS).optional(),
  /** CSV only: which column holds what (a mapping document, JSON/YAML text or an object). */
  csvMapping: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
  /**
   * Refuse a file whose control totals or balances do not add up (default). Off, the mismatches are
   * reported as warnings and the transactions imported: for files a bank or a tool edited by hand.
   */
  verifyTotals: z.boolean().default(true),
});
export type BankImportInput = z.output<typeof bankImportInput>;

/** Why a transaction in the file did not become a payment. */
export type SkipReason = "debit" | "returned_payment" | "zero_amount" | "not_booked";

export interface BankImportPlan {
  fileName: string;
  sha256: string;
  parsed: ParsedBankFile;
  receipts: { account: string; transaction: BankTransaction }[];
  skipped: { account: string; transaction: BankTransaction; reason: SkipReason }[];
}

const SKIP_WORDS: Record<SkipReason, string> = {
  debit: "money out, not a receipt",
  returned_payment: "a returned or reversed payment: a person must check which receipt it undoes",
  zero_amount: "zero amount",
  not_booked: "pending or information-only entry: it is imported when a statement books it",
};

/** The payment's external reference: the bank-file fingerprint, namespaced. */
export function bankPaymentRef(transaction: BankTransaction): string {
  return `bank:${transaction.fingerprint}`;
}

function readFile(input: BankImportInput): { name: string; content: string | Uint8Array; sha256: string } {
  const ref = input.file;
  if ("content" in ref) return { name: ref.name, content: ref.content, sha256: fileDigest(ref.content) };
  let bytes: Buffer;
  try {
    bytes = readFileSync(ref.path);
  } catch (error) {
    throw new ToolInputError("file.path", `cannot read ${ref.path}: ${(error as Error).message}`);
  }
  const sha256 = fileDigest(bytes);
  if (sha256 !== ref.sha256)
    throw new ToolInputError("file.sha256", `${ref.path} changed since the import was requested`);
  // Bytes, not text: the parsers detect the encoding (older MT940 and BAI2 files are Latin-1).
  return { name: basename(ref.path), content: new Uint8Array(bytes), sha256 };
}

function csvMappingOf(input: BankImportInput): CsvBankMapping | undefined {
  if (input.csvMapping === undefined) return undefined;
  try {
    return parseCsvBankMapping(
      typeof input.csvMapping === "string" ? input.csvMapping : JSON.stringify(input.csvMapping),
    );
  } catch (error) {
    throw new ToolInputError("csvMapping", error instanceof Error ? error.message : String(error));
  }
}

/** Parses and sorts a file's transactions into receipts and the rest; throws ToolInputError naming the problem. */
export function planBankImport(input: BankImportInput): BankImportPlan {
  const file = readFile(input);
  let parsed: ParsedBankFile;
  try {
    const csv = csvMappingOf(input);
    parsed = parseBankFile(file.content, {
      fileName: file.name,
      verifyTotals: input.verifyTotals,
      ...(input.format ? { format: input.format } : {}),
      ...(csv ? { csv } : {}),
    });
  } catch (error) {
    if (error instanceof BankFileError) throw new ToolInputError("file", `${file.name}: ${error.message}`);
    throw error;
  }
  const receipts: BankImportPlan["receipts"] = [];
  const skipped: BankImportPlan["skipped"] = [];
  for (const statement of parsed.statements) {
    for (const transaction of statement.transactions) {
      if (!isKnownCurrency(transaction.currency)) {
        throw new ToolInputError(
          "file",
          `${file.name}: ${transaction.location}: unknown currency ${JSON.stringify(transaction.currency)}`,
        );
      }
      const reason: SkipReason | null = !transaction.booked
        ? "not_booked"
        : transaction.isReturn
          ? "returned_payment"
          : transaction.amountMinor === 0
            ? "zero_amount"
            : transaction.amountMinor < 0
              ? "debit"
              : null;
      if (reason) skipped.push({ account: statement.account, transaction, reason });
      else receipts.push({ account: statement.account, transaction });
    }
  }
  return { fileName: file.name, sha256: file.sha256, parsed, receipts, skipped };
}

// propose() and run() see the same input object within one call; parse once.
const planned = new WeakMap<object, BankImportPlan>();
function planOnce(input: BankImportInput): BankImportPlan {
  let plan = planned.get(input);
  if (!plan) {
    plan = planBankImport(input);
    planned.set(input, plan);
  }
  return plan;
}

export const importBankFile = defineTool({
  name: "import_bank_file",
  description:
    "Import a bank statement (camt.052/053/054, BAI2, MT940, or CSV with a column mapping): its receipts become " +
    "unidentified payments for cash application. A malformed file imports nothing; a transaction already imported " +
    "(same file again, or an overlapping statement) is not imported twice.",
  effect: "write",
  input: bankImportInput,
  async propose(input) {
    planOnce(input);
    return { kind: "bank_import" };
  },
  async run(input, tx, ctx) {
    const plan = planOnce(input);
    const [importRow] = await tx
      .insert(bankImports)
      .values({
        fileName: plan.fileName,
        sha256: plan.sha256,
        format: plan.parsed.format,
        statements: plan.parsed.statements.length,
        transactions: plan.receipts.length + plan.skipped.length,
        imported: 0,
        duplicates: 0,
        skipped: plan.skipped.length,
        actionId: ctx.actionId,
        importedBy: `${ctx.caller.kind}:${ctx.caller.id}`,
      })
      .returning({ id: bankImports.id });
    const importId = importRow!.id;
    const rows = plan.receipts.map(({ account, transaction: t }) => ({
      externalRef: bankPaymentRef(t),
      customerId: null,
      payerName: t.counterparty,
      payerAccount: t.counterpartyAccount,
      currency: t.currency,
      amountMinor: t.amountMinor,
      receivedOn: t.date,
      remittanceText: t.remittance,
      source: "bank_file",
      sourceFile: plan.fileName,
      bankImportId: importId,
      bankAccount: account,
      reference: t.reference,
      bankReference: t.bankReference,
      chargesMinor: t.chargesMinor,
      originalCurrency: t.original?.currency ?? null,
      originalAmountMinor: t.original?.amountMinor ?? null,
    }));
    const inserted: { id: string; externalRef: string }[] = [];
    // Chunks keep each statement's parameter count well under the protocol's 65,535 limit.
    for (let i = 0; i < rows.length; i += 1000) {
      inserted.push(
        ...(await tx
          .insert(payments)
          .values(rows.slice(i, i + 1000))
          .onConflictDoNothing({ target: payments.externalRef })
          .returning({ id: payments.id, externalRef: payments.externalRef })),
      );
    }
    const duplicates = rows.length - inserted.length;
    await tx
      .update(bankImports)
      .set({ imported: inserted.length, duplicates })
      .where(eq(bankImports.id, importId));
    return {
      bankImportId: importId,
      file: plan.fileName,
      format: plan.parsed.format,
      statements: plan.parsed.statements.length,
      warnings: plan.parsed.warnings,
      imported: inserted.length,
      duplicates,
      paymentIds: inserted.map((r) => r.id),
      skipped: plan.skipped.map(({ account, transaction: t, reason }) => ({
        account,
        date: t.date,
        amountMinor: t.amountMinor,
        currency: t.currency,
        location: t.location,
        reason,
        why: SKIP_WORDS[reason],
      })),
    };
  },
});
