// Payments: unapplied cash, and bank statements uploaded into cash application through the
// import_bank_file tool (then payer identification), exactly as `arc import bank` does.
import { z } from "zod";
import { ToolInputError } from "../../tools/errors.ts";
import { unappliedPayments } from "../../tools/read/payments.ts";
import { bankImportInput } from "../../tools/write/import-bank-file.ts";
import { importBankStatement, previewBankImport } from "../bank-import.ts";
import { type ApiDeps, readTool } from "./deps.ts";
import { ApiError, invalidInput, writeOutcomeError } from "./errors.ts";
import { type ApiContext, defineRoute, type RouteSpec } from "./route.ts";

/** Bank statements can be large (a year of camt.053 runs to megabytes). */
const MAX_BANK_FILE_BYTES = 32 * 1024 * 1024;

/**
 * The upload: the tool's own fields, with the file's content in the request (a server path is never
 * accepted over HTTP: it would let a caller make the server read its own files).
 */
export const bankUploadBody = z.strictObject({
  ...bankImportInput.shape,
  file: z.strictObject({
    name: z.string().min(1).max(200),
    content: z.string().min(1, { message: "the file is empty" }),
  }),
  /** Parse and judge only: what would be imported, and the policy's verdict; nothing is written. */
  dryRun: z.boolean().default(false),
});

export function paymentRoutes(deps: ApiDeps): RouteSpec[] {
  return [
    defineRoute({
      method: "get",
      path: "/api/payments/unapplied",
      operationId: "listUnappliedPayments",
      summary: "Payments with money not yet applied",
      description: "Oldest first; for one customer, or across the ledger including unidentified payers.",
      tag: "payments",
      permission: "read",
      tool: unappliedPayments.name,
      query: unappliedPayments.input,
      responses: { 200: { description: "Unapplied payments" } },
      handle: async (c, { query, caller }) =>
        c.json(await readTool(deps, unappliedPayments.name, query, caller)),
    }),
    defineRoute({
      method: "post",
      path: "/api/payments/bank-files",
      operationId: "uploadBankFile",
      summary: "Upload a bank statement for cash application",
      description:
        "camt.052/053/054, BAI2, MT940 or CSV (with csvMapping). Receipts become payments, payers are " +
        "identified, and the next run applies them. A malformed file imports nothing and the error names the " +
        "line or element; a transaction already imported is never imported twice. `dryRun` lists every " +
        "transaction (new, already_imported or skipped, snake_case as `arc import bank --dry-run --json`) with " +
        "the policy's verdict, and writes nothing. Send JSON, or multipart/form-data with a `file` part and the " +
        "other fields as form fields. An `Idempotency-Key` header makes a retry return the first outcome.",
      tag: "payments",
      permission: "import",
      tool: "import_bank_file",
      body: bankUploadBody,
      bodyContentTypes: ["application/json", "multipart/form-data"],
      readBody: readMultipartUpload,
      bodyDocs: {
        "multipart/form-data": {
          type: "object",
          required: ["file"],
          properties: {
            file: { type: "string", contentMediaType: "application/octet-stream" },
            format: { type: "string" },
            csvMapping: { type: "string" },
            verifyTotals: { type: "string", enum: ["true", "false"] },
            dryRun: { type: "string", enum: ["true", "false"] },
          },
        },
      },
      maxBodyBytes: MAX_BANK_FILE_BYTES,
      responses: {
        200: { description: "A dry run's preview and verdict, or a replay of the same import" },
        201: { description: "Imported: counts, skipped transactions, payer identification" },
        202: { description: "The policy sent the import for approval; the action id is in the queue" },
      },
      errors: [400, 413, 415],
      example: {
        body: {
          file: {
            name: "statement.csv",
            content: "date,amount,payer,memo\n2026-03-02,1250.00,Acme Inc,INV-1001\n",
          },
          csvMapping: {
            date: "date",
            amount: "amount",
            counterparty: "payer",
            remittance: "memo",
            options: { currency: "USD", account: "operating" },
          },
          dryRun: true,
        },
      },
      handle: async (c, { body, caller }) => {
        const { dryRun, ...input } = body;
        if (dryRun) {
          const judged = await deps.arc.runner.preview("import_bank_file", input, { caller });
          if (judged.status === "invalid") throw invalidInput(judged.issues, "body");
          try {
            const preview = await previewBankImport(deps.arc.database.db, bankImportInput.parse(input));
            return c.json({ dryRun: true, verdict: judged.verdict, preview }, 200);
          } catch (error) {
            if (error instanceof ToolInputError) throw invalidInput(error.issues, "body");
            throw error;
          }
        }
        const key = c.req.header("idempotency-key");
        const { result, identification } = await importBankStatement(deps.arc, input, {
          caller,
          ...(key ? { idempotencyKey: `api:${caller.id}:${key}` } : {}),
        });
        const failure = writeOutcomeError(result, "body");
        if (failure) throw failure;
        if (result.status === "pending_approval") {
          return c.json({ status: result.status, actionId: result.actionId, reasons: result.reasons }, 202);
        }
        if (result.status !== "executed") {
          throw new ApiError(500, "internal", `import ended ${result.status}`);
        }
        return c.json(
          {
            status: result.status,
            actionId: result.actionId,
            replayed: result.replayed,
            import: result.output,
            identification:
              identification?.status === "executed" ? identification.output : (identification ?? null),
          },
          result.replayed ? 200 : 201,
        );
      },
    }),
  ];
}

/** A multipart upload as the JSON body's shape: the `file` part's name and text, the rest as fields. */
async function readMultipartUpload(c: ApiContext, raw: Uint8Array): Promise<unknown> {
  const form = await new Request("http://upload.invalid/", {
    method: "POST",
    headers: { "content-type": c.req.header("content-type") ?? "" },
    body: raw,
  })
    .formData()
    .catch((error: unknown) => {
      throw new ApiError(
        400,
        "malformed_multipart",
        `the form could not be read: ${(error as Error).message}`,
      );
    });
  const value: Record<string, unknown> = {};
  for (const [name, part] of form.entries()) {
    if (typeof part === "string") {
      value[name] = part === "true" ? true : part === "false" ? false : part;
      continue;
    }
    value[name] = {
      name: part.name || "upload",
      content: decodeText(new Uint8Array(await part.arrayBuffer())),
    };
  }
  return value;
}

/** UTF-8 when the bytes are UTF-8, else Latin-1 (older MT940 and BAI2 files are). */
function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder("latin1").decode(bytes);
  }
}
