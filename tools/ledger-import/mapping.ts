// Column mappings for ledger imports: which source column feeds which ARC field, per entity, plus how
// the file is written (date format, decimal separator, delimiter, encoding, default currency).
//
// A mapping document is JSON or YAML. It may start from a built-in preset (`extends: quickbooks`) and
// override only what differs; a column set to `null` drops the preset's mapping for that field.
//
//   extends: quickbooks
//   options: { currency: USD }          # file-wide defaults
//   invoices:
//     columns: { description: null }     # per-entity column overrides
//     options: { dateFormat: DD/MM/YYYY } # per-entity option overrides
//
// A column may be given as a list of alternatives ("Num", "No."): the first one present in the
// file's header is used. Header matching ignores case and surrounding/repeated whitespace, because the
// same export is titled "Due Date" in one product version and "Due date" in the next.
import YAML from "yaml";
import { z } from "zod";
import { isKnownCurrency } from "../../db/money.ts";

export const ENTITIES = ["customers", "contacts", "invoices", "payments"] as const;
export type Entity = (typeof ENTITIES)[number];

export const DATE_FORMATS = ["YYYY-MM-DD", "MM/DD/YYYY", "DD/MM/YYYY", "DD.MM.YYYY"] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];
export const DELIMITERS = [",", ";", "\t", "|", "auto"] as const;
export const ENCODINGS = ["utf-8", "utf-16le", "windows-1252"] as const;

/** The ARC fields each entity can be fed, required ones first. */
export const ENTITY_FIELDS = {
  customers: {
    required: ["externalRef", "name"],
    optional: [
      "currency",
      "isConsumer",
      "segment",
      "timezone",
      "country",
      "region",
      "paymentTerms",
      "paymentTermsBasis",
      "creditLimit",
      "owner",
      "strategic",
      // A customer list usually carries one contact person; it becomes the customer's primary contact.
      "contactName",
      "contactFirstName",
      "contactLastName",
      "email",
      "phone",
    ],
  },
  contacts: {
    required: ["customerRef"],
    optional: [
      "externalRef",
      "name",
      "firstName",
      "lastName",
      "email",
      "phone",
      "role",
      "isPrimary",
      "preferredChannel",
      "language",
    ],
  },
  invoices: {
    required: ["externalRef", "customerRef", "amount", "issueDate", "dueDate"],
    optional: ["currency", "openBalance", "paidAmount", "description"],
  },
  payments: {
    required: ["externalRef", "amount", "receivedOn"],
    optional: [
      "customerRef",
      "payerName",
      "payerAccount",
      "currency",
      "remittanceText",
      "invoiceRef",
      "appliedAmount",
    ],
  },
} as const satisfies Record<Entity, { required: readonly string[]; optional: readonly string[] }>;

export type FieldOf<E extends Entity> =
  | (typeof ENTITY_FIELDS)[E]["required"][number]
  | (typeof ENTITY_FIELDS)[E]["optional"][number];

export interface FileOptions {
  dateFormat: DateFormat;
  decimalSeparator: "." | ",";
  /** Currency for rows whose file has no currency column or an empty cell. */
  currency?: string;
  delimiter: "," | ";" | "\t" | "|" | "auto";
  /** How bytes are decoded when the file is given as bytes; text input is used as is. */
  encoding: "utf-8" | "utf-16le" | "windows-1252";
  /** Strip a leading byte-order mark (default true). */
  bom: boolean;
  /** Lines before the header (report titles); "auto" finds the first line holding the required columns. */
  skipLines: number | "auto";
  /**
   * "negative": the file writes this entity's amounts as negative numbers (payments and credits in an
   * aging report), so they are negated on reading. Credit limits are not affected.
   */
  amountSign: "positive" | "negative";
}

export const DEFAULT_OPTIONS: FileOptions = {
  dateFormat: "YYYY-MM-DD",
  decimalSeparator: ".",
  delimiter: ",",
  encoding: "utf-8",
  bom: true,
  skipLines: 0,
  amountSign: "positive",
};

export interface EntityMapping<E extends Entity = Entity> {
  /** ARC field → source column alternatives (first one present in the header wins). */
  columns: Partial<Record<FieldOf<E>, string[]>>;
  options: FileOptions;
  /** Keep only rows whose `column` holds one of `values` (case-insensitive); others are skipped. */
  include?: { column: string[]; values: string[] };
  /** Invoices only: rows are invoice lines; rows sharing an invoice number are one invoice. */
  lineItems: boolean;
}

export interface LedgerMapping {
  /** Marks a mapping that went through resolveMapping (documents cannot carry this key). */
  resolved: true;
  name: string;
  customers?: EntityMapping<"customers">;
  contacts?: EntityMapping<"contacts">;
  invoices?: EntityMapping<"invoices">;
  payments?: EntityMapping<"payments">;
}

export interface MappingIssue {
  /** Dotted path of the offending field, e.g. "invoices.columns.dueDate" or "options.dateFormat". */
  path: string;
  message: string;
}

export class MappingError extends Error {
  readonly issues: MappingIssue[];
  constructor(issues: MappingIssue[]) {
    super(`invalid ledger mapping: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
    this.name = "MappingError";
    this.issues = issues;
  }
}

// ---------------------------------------------------------------------------------------------
// The document schema (what a user writes), lenient enough for `extends` overrides.

const columnName = z.string().trim().min(1, "a column name cannot be empty");
const columnRef = z.union([columnName, z.array(columnName).min(1, "give at least one column name")]);

const currencyCode = z
  .string()
  .refine(isKnownCurrency, { message: "must be an ISO 4217 currency code such as USD or EUR" });

const optionsSchema = z
  .object({
    dateFormat: z.enum(DATE_FORMATS, { message: `must be one of ${DATE_FORMATS.join(", ")}` }),
    decimalSeparator: z.enum([".", ","], { message: 'must be "." or ","' }),
    currency: currencyCode,
    delimiter: z.enum(DELIMITERS, { message: 'must be ",", ";", "\\t", "|" or "auto"' }),
    encoding: z.enum(ENCODINGS, { message: `must be one of ${ENCODINGS.join(", ")}` }),
    bom: z.boolean({ message: "must be true or false" }),
    skipLines: z.union([z.number().int().min(0), z.literal("auto")], {
      message: 'must be a whole number of lines or "auto"',
    }),
    amountSign: z.enum(["positive", "negative"], { message: 'must be "positive" or "negative"' }),
  })
  .partial()
  .strict();

const includeSchema = z
  .object({ column: columnRef, values: z.array(z.string()).min(1, "give at least one value") })
  .strict();

function columnsSchema<E extends Entity>(entity: E) {
  const { required, optional } = ENTITY_FIELDS[entity];
  const shape: Record<string, z.ZodType> = {};
  for (const field of [...required, ...optional]) shape[field] = columnRef.nullable().optional();
  return z.object(shape).strict();
}

function sectionSchema<E extends Entity>(entity: E) {
  return z
    .object({
      columns: columnsSchema(entity).optional(),
      options: optionsSchema.optional(),
      include: includeSchema.nullable().optional(),
      ...(entity === "invoices"
        ? { lineItems: z.boolean({ message: "must be true or false" }).optional() }
        : {}),
    })
    .strict();
}

const documentSchema = z
  .object({
    name: z.string().min(1).optional(),
    description: z.string().optional(),
    extends: z.string().optional(),
    options: optionsSchema.optional(),
    customers: sectionSchema("customers").nullable().optional(),
    contacts: sectionSchema("contacts").nullable().optional(),
    invoices: sectionSchema("invoices").nullable().optional(),
    payments: sectionSchema("payments").nullable().optional(),
  })
  .strict();

type ColumnRefDoc = string | string[] | null | undefined;
interface SectionDoc {
  columns?: Record<string, ColumnRefDoc>;
  options?: Partial<FileOptions>;
  include?: { column: string | string[]; values: string[] } | null;
  lineItems?: boolean;
}
export interface MappingDocument {
  name?: string;
  description?: string;
  extends?: string;
  options?: Partial<FileOptions>;
  customers?: SectionDoc | null;
  contacts?: SectionDoc | null;
  invoices?: SectionDoc | null;
  payments?: SectionDoc | null;
}

// ---------------------------------------------------------------------------------------------
// Presets. Column names follow the documented/commonly seen headers of each product's exports; exports
// differ by product edition, region and version, so each field lists the variants we know of, and any
// of it can be overridden with `extends`. Verify against your own export before relying on a preset.

const arcPreset: MappingDocument = {
  name: "arc",
  description: "ARC's own column names (snake_case ARC field names), ISO dates, '.' decimals.",
  options: { dateFormat: "YYYY-MM-DD", decimalSeparator: ".", delimiter: "," },
  customers: {
    columns: {
      externalRef: "external_ref",
      name: "name",
      currency: "currency",
      isConsumer: "is_consumer",
      segment: "segment",
      timezone: "timezone",
      country: "country",
      region: "region",
      paymentTerms: "payment_terms_days",
      creditLimit: "credit_limit",
      owner: "owner",
      strategic: "strategic",
      contactName: "contact_name",
      email: "email",
      phone: "phone",
    },
  },
  contacts: {
    columns: {
      customerRef: "customer_ref",
      externalRef: "external_ref",
      name: "name",
      email: "email",
      phone: "phone",
      role: "role",
      isPrimary: "is_primary",
      preferredChannel: "preferred_channel",
      language: "language",
    },
  },
  invoices: {
    columns: {
      externalRef: "external_ref",
      customerRef: "customer_ref",
      currency: "currency",
      amount: "amount",
      openBalance: "open_balance",
      issueDate: "issue_date",
      dueDate: "due_date",
      description: "description",
    },
  },
  payments: {
    columns: {
      externalRef: "external_ref",
      customerRef: "customer_ref",
      payerName: "payer_name",
      payerAccount: "payer_account",
      currency: "currency",
      amount: "amount",
      receivedOn: "received_on",
      remittanceText: "remittance_text",
      invoiceRef: "invoice_ref",
      appliedAmount: "applied_amount",
    },
  },
};

/**
 * QuickBooks Online (US). QuickBooks keys customers by their unique display name, which is what its
 * reports print in the "Customer" column, so that name is the external reference.
 * - customers: the Customers list / "Customer Contact List" export ("Customer", "Email", "Phone",
 *   "Full Name", "Currency" in multicurrency companies, "Terms", "Credit Limit", billing address).
 * - invoices: the "A/R Aging Detail" (or "Open Invoices") report: "Date", "Transaction Type", "Num",
 *   "Customer", "Due Date", "Amount", "Open Balance". Report exports start with title lines and carry
 *   section and "Total for ..." rows, so the header is found automatically and only rows whose
 *   "Transaction Type" is "Invoice" are read (payments and credit memos in the aging are skipped).
 * - payments: the unapplied payments of the same A/R Aging Detail report (rows whose "Transaction
 *   Type" is "Payment"; the aging prints them as negative amounts). Their "Open Balance" is the cash
 *   QuickBooks has not applied to any invoice, which is what ARC's cash application should match;
 *   applied payments are already reflected in the invoices' open balances. QuickBooks leaves "Num"
 *   empty on payments entered without a reference number; such rows are reported, since a payment
 *   needs a stable reference to be re-imported without duplicates.
 * Single-currency companies export no currency column: set `options.currency`.
 */
const quickbooksPreset: MappingDocument = {
  name: "quickbooks",
  description: "QuickBooks Online customer list; A/R Aging Detail invoices and unapplied payments.",
  options: { dateFormat: "MM/DD/YYYY", decimalSeparator: ".", delimiter: ",", skipLines: "auto" },
  customers: {
    columns: {
      externalRef: ["Customer", "Customer full name", "Display Name", "Name"],
      name: ["Customer", "Customer full name", "Display Name", "Name"],
      contactName: ["Full Name", "Contact"],
      email: ["Email", "Email Address"],
      phone: ["Phone", "Phone Numbers", "Phone Number"],
      currency: ["Currency"],
      paymentTerms: ["Terms"],
      creditLimit: ["Credit Limit"],
      country: ["Billing Country", "Country"],
      region: ["Billing State", "State"],
    },
  },
  invoices: {
    columns: {
      externalRef: ["Num", "No.", "Invoice No"],
      customerRef: ["Customer", "Customer full name", "Name"],
      issueDate: ["Date", "Invoice Date"],
      dueDate: ["Due Date"],
      amount: ["Amount", "Total"],
      openBalance: ["Open Balance"],
      currency: ["Currency"],
      description: ["Memo/Description", "Memo"],
    },
    include: { column: ["Transaction Type", "Type"], values: ["Invoice"] },
  },
  payments: {
    columns: {
      externalRef: ["Num", "Ref No.", "Reference No."],
      customerRef: ["Customer", "Customer full name", "Name"],
      receivedOn: ["Date"],
      amount: ["Open Balance"],
      currency: ["Currency"],
      remittanceText: ["Memo/Description", "Memo"],
    },
    options: { amountSign: "negative" },
    include: { column: ["Transaction Type", "Type"], values: ["Payment"] },
  },
};

/**
 * Xero. Xero keys contacts by their unique ContactName, which its invoice export repeats per row.
 * Xero's import templates mark required columns with "*" ("*ContactName"); exports may or may not
 * carry the star, so both spellings are listed.
 * - customers: Contacts → Export ("ContactName", "AccountNumber", "EmailAddress", "FirstName",
 *   "LastName", "PhoneNumber", "POCountry", "PORegion", "DueDateSalesDay" + "DueDateSalesTerm").
 *   Only "days after" terms become payment_terms_days; "of the following month" style terms are not a
 *   day count and leave the customer's terms as they are.
 * - invoices: Sales → Invoices → Export, one row per invoice line: "ContactName", "InvoiceNumber",
 *   "Reference", "InvoiceDate", "DueDate", "Total", "InvoiceAmountPaid", "InvoiceAmountDue",
 *   "Currency", ... Lines of one invoice are merged (lineItems). The "Aged Receivables Detail" report
 *   prints each contact as a heading above its invoices rather than in a column, so it is not a
 *   row-per-invoice file; export the invoices (Awaiting Payment) instead, whose InvoiceAmountDue is the
 *   same open balance.
 * - payments: Xero has no standard payment-list export; this follows the column names of Xero's
 *   payment import layout ("InvoiceNumber", "Date", "Amount", "Reference"). Each payment needs a
 *   unique Reference; the customer is taken from the invoice it pays.
 * Dates are DD/MM/YYYY as in Xero's UK/AU/NZ exports; US organisations override with MM/DD/YYYY.
 */
const xeroPreset: MappingDocument = {
  name: "xero",
  description: "Xero contacts export, sales invoice export (line items), payment import layout.",
  options: { dateFormat: "DD/MM/YYYY", decimalSeparator: ".", delimiter: "," },
  customers: {
    columns: {
      externalRef: ["*ContactName", "ContactName"],
      name: ["*ContactName", "ContactName"],
      contactFirstName: ["FirstName"],
      contactLastName: ["LastName"],
      email: ["EmailAddress"],
      phone: ["PhoneNumber"],
      currency: ["Currency", "DefaultCurrency"],
      country: ["POCountry"],
      region: ["PORegion"],
      paymentTerms: ["DueDateSalesDay"],
      paymentTermsBasis: ["DueDateSalesTerm"],
    },
  },
  invoices: {
    columns: {
      externalRef: ["*InvoiceNumber", "InvoiceNumber"],
      customerRef: ["*ContactName", "ContactName"],
      issueDate: ["*InvoiceDate", "InvoiceDate"],
      dueDate: ["*DueDate", "DueDate"],
      amount: ["Total"],
      openBalance: ["InvoiceAmountDue"],
      currency: ["Currency"],
      description: ["Reference"],
    },
    lineItems: true,
  },
  payments: {
    columns: {
      externalRef: ["Reference"],
      invoiceRef: ["*InvoiceNumber", "InvoiceNumber"],
      receivedOn: ["*Date", "Date"],
      amount: ["*Amount", "Amount"],
      currency: ["Currency"],
    },
  },
};

export const PRESETS = {
  arc: arcPreset,
  quickbooks: quickbooksPreset,
  xero: xeroPreset,
} as const satisfies Record<string, MappingDocument>;
export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

// ---------------------------------------------------------------------------------------------
// Loading and resolving.

/** Parses a JSON or YAML mapping document and resolves it (presets, defaults, required fields). */
export function parseMappingDocument(text: string): LedgerMapping {
  let parsed: unknown;
  try {
    parsed = YAML.parse(text);
  } catch (error) {
    throw new MappingError([
      { path: "(document)", message: `not valid JSON or YAML: ${(error as Error).message}` },
    ]);
  }
  return resolveMapping(parsed);
}

/** A preset name, a mapping document object, or an already resolved mapping → a resolved mapping. */
export function loadMapping(input: PresetName | string | MappingDocument | LedgerMapping): LedgerMapping {
  if (typeof input === "string") {
    if (!(input in PRESETS)) {
      throw new MappingError([
        { path: "(preset)", message: `unknown preset "${input}" (known: ${PRESET_NAMES.join(", ")})` },
      ]);
    }
    return resolveMapping(PRESETS[input as PresetName]);
  }
  if (isResolved(input)) return input;
  return resolveMapping(input);
}

function isResolved(input: object): input is LedgerMapping {
  return (input as { resolved?: unknown }).resolved === true;
}

/** Validates a mapping document (already parsed from JSON/YAML) and merges it onto its preset. */
export function resolveMapping(document: unknown): LedgerMapping {
  const doc = validateDocument(document, "");
  let base: MappingDocument = {};
  if (doc.extends !== undefined) {
    const preset = PRESETS[doc.extends as PresetName];
    if (!preset) {
      throw new MappingError([
        { path: "extends", message: `unknown preset "${doc.extends}" (known: ${PRESET_NAMES.join(", ")})` },
      ]);
    }
    base = preset;
  }
  const merged = mergeDocuments(base, doc);
  const issues: MappingIssue[] = [];
  const fileOptions: FileOptions = { ...DEFAULT_OPTIONS, ...stripUndefined(merged.options ?? {}) };
  const mapping: LedgerMapping = { resolved: true, name: doc.name ?? doc.extends ?? "custom" };
  for (const entity of ENTITIES) {
    const section = merged[entity];
    if (!section) continue;
    const columns: Record<string, string[]> = {};
    for (const [field, ref] of Object.entries(section.columns ?? {})) {
      if (ref === null || ref === undefined) continue;
      columns[field] = Array.isArray(ref) ? ref : [ref];
    }
    for (const field of ENTITY_FIELDS[entity].required) {
      if (!columns[field]) {
        issues.push({ path: `${entity}.columns.${field}`, message: "required: name the source column" });
      }
    }
    checkCombinations(entity, columns, issues);
    const include = section.include
      ? {
          column: Array.isArray(section.include.column) ? section.include.column : [section.include.column],
          values: section.include.values,
        }
      : undefined;
    const resolved: EntityMapping = {
      columns,
      options: { ...fileOptions, ...stripUndefined(section.options ?? {}) },
      lineItems: section.lineItems ?? false,
      ...(include ? { include } : {}),
    };
    (mapping as unknown as Record<Entity, EntityMapping>)[entity] = resolved;
  }
  if (!ENTITIES.some((entity) => mapping[entity])) {
    issues.push({
      path: "(document)",
      message: "maps no entity: add customers, contacts, invoices or payments",
    });
  }
  if (issues.length > 0) throw new MappingError(issues);
  return mapping;
}

function checkCombinations(entity: Entity, columns: Record<string, string[]>, issues: MappingIssue[]): void {
  if (entity === "contacts" && !columns.name && !columns.firstName && !columns.lastName && !columns.email) {
    issues.push({
      path: "contacts.columns.name",
      message: "required: map name (or firstName/lastName, or at least email)",
    });
  }
  if (entity === "invoices" && columns.openBalance && columns.paidAmount) {
    issues.push({
      path: "invoices.columns.paidAmount",
      message: "map either openBalance or paidAmount, not both",
    });
  }
  if (entity === "payments" && columns.appliedAmount && !columns.invoiceRef) {
    issues.push({
      path: "payments.columns.appliedAmount",
      message: "needs invoiceRef: applied to which invoice?",
    });
  }
  if (entity === "customers" && columns.paymentTermsBasis && !columns.paymentTerms) {
    issues.push({
      path: "customers.columns.paymentTermsBasis",
      message: "needs paymentTerms (the day count)",
    });
  }
}

function validateDocument(document: unknown, prefix: string): MappingDocument {
  const result = documentSchema.safeParse(document);
  if (result.success) return result.data as MappingDocument;
  const issues: MappingIssue[] = [];
  for (const issue of result.error.issues) {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        issues.push({ path: path ? `${path}.${key}` : key, message: unknownKeyMessage(issue.path, key) });
      }
    } else if (issue.code === "invalid_type" && issue.input === undefined && path === "") {
      issues.push({ path: "(document)", message: "expected a mapping object" });
    } else {
      issues.push({ path: path || "(document)", message: simplify(issue) });
    }
  }
  throw new MappingError(issues);
}

function unknownKeyMessage(path: PropertyKey[], key: string): string {
  const last = path[path.length - 1];
  if (last === "columns") {
    const entity = path[path.length - 2] as Entity;
    const fields = [...ENTITY_FIELDS[entity].required, ...ENTITY_FIELDS[entity].optional] as string[];
    const near = fields.find((f) => f.toLowerCase() === key.toLowerCase() || editDistance(f, key) <= 2);
    return `unknown field${near ? ` (did you mean "${near}"?)` : ""}; ${entity} fields are ${fields.join(", ")}`;
  }
  return "unknown field";
}

function simplify(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_union") {
    return "expected a column name or a list of column names";
  }
  return issue.message;
}

function mergeDocuments(base: MappingDocument, over: MappingDocument): MappingDocument {
  const merged: MappingDocument = {
    options: { ...(base.options ?? {}), ...stripUndefined(over.options ?? {}) },
  };
  for (const entity of ENTITIES) {
    const b = base[entity];
    const o = over[entity];
    if (o === null) continue; // explicitly dropped
    if (!b && !o) continue;
    merged[entity] = {
      columns: { ...(b?.columns ?? {}), ...(o?.columns ?? {}) },
      options: { ...(b?.options ?? {}), ...stripUndefined(o?.options ?? {}) },
      include: o && "include" in o && o.include !== undefined ? o.include : b?.include,
      lineItems: o?.lineItems ?? b?.lineItems,
    };
  }
  return merged;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[y.length]!;
}

/** Header cell → comparison key: case-insensitive and whitespace-collapsed. */
export function headerKey(name: string): string {
  return name.trim().replace(/\s+/g, " ").toLowerCase();
}
