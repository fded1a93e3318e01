// Fuzzing every REST route with fast-check: generated bad input — bodies of the wrong shape (wrong
// types, missing and unknown fields, arrays instead of objects, huge and unicode strings, numbers out of
// range, negative minor units, invalid ids and dates), malformed JSON text, wrong content types, random
// query strings, random path parameters ("../", "%00", very long, invalid percent-encoding), wrong
// methods and random Authorization headers — against the in-process API, as an admin (and sometimes
// a collector). Every answer is below 500; every 4xx is `{ error: { code, message, requestId } }` with
// a message, and validation errors name the field and where it was (body / query / path); a refused
// call writes nothing (row counts of every ledger table before and after each write call, and before
// and after every batch of reads). Inputs in "must refuse" categories are bad by construction and
// must get a 4xx; "edge" inputs (values that may or may not be acceptable) only must not fail with a
// 5xx, and write nothing unless they succeed.
//
// Routes are enumerated from the api object: a route added without a row in ROUTES fails the first
// test. The run-events stream is fuzzed with bad run ids and query strings, each refused before any
// stream starts (only raw junk that names no parameter, a lone "#fragment", reaches the stream of the
// finished setup run, which ends at once); following a running run is the runs tests' business.
// Bodies sent to POST /api/keys/:keyId/revoke, which takes none, are not fuzzed: the route ignores
// them (its path, query, method and key are fuzzed, against a live key that must stay unrevoked).
//
// Fixed seed (FUZZ_SEED explores others locally); a failure names the route and the counterexample.
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { rulesBrain } from "../../../agents/rules-brain.ts";
import { DEFAULT_POLICY, PolicyDocumentSchema } from "../../../policies/index.ts";
import type { RouteSpec } from "../../../server/api/route.ts";
import { createApiKey } from "../../../server/api-keys.ts";
import { runAccounts } from "../../../server/run.ts";
import { makeContact, makeCustomer, makeInvoice } from "../../support/fixtures.ts";
import { apiPerson, useApi } from "./harness.ts";

const t = useApi();

const SEED = Number(process.env.FUZZ_SEED ?? 42);
/** Runs per route and category group: modest, so the file stays quick on a slow, shared CI machine. */
const RUNS = 40;
const PATH_RUNS = 25;

// ------------------------------------------------------------------------------------------------
// The world the routes are called against: real ids, so only the fuzzed part of a request is wrong.

let customerId = "";
let customerRef = "";
let invoiceId = "";
let runId = "";
let pendingId = "";
let targetKeyId = "";
let counter = 0;

async function newPendingAction(): Promise<string> {
  const result = await t.arc.runner.call(
    "escalate_to_legal",
    { customerId, invoiceIds: [invoiceId], reason: `fuzz target ${++counter}` },
    { caller: apiPerson("collector") },
  );
  if (result.status !== "pending_approval") throw new Error(`expected pending, got ${result.status}`);
  return result.actionId;
}

beforeAll(async () => {
  const db = t.database.current.db;
  const customer = await makeCustomer(db, { name: "Fuzz Co" });
  await makeContact(db, customer.id, { phone: "+12125550199", email: "ap@fuzz.example" });
  const invoice = await makeInvoice(db, customer.id, { dueDate: "2026-01-10" });
  customerId = customer.id;
  customerRef = customer.externalRef;
  invoiceId = invoice.id;
  const run = await runAccounts(t.arc, {
    asOf: "2026-03-02",
    customers: [customer.externalRef],
    concurrency: 1,
    dryRun: false,
    brain: rulesBrain,
  });
  runId = run.runId;
  pendingId = await newPendingAction();
  targetKeyId = (await createApiKey(db, { name: "fuzz-target", role: "viewer" }, "test:setup")).key.id;
});

// ------------------------------------------------------------------------------------------------
// Row counts: every table, in one query.

const TABLES = [
  "customers",
  "contacts",
  "invoices",
  "bank_imports",
  "payments",
  "actions",
  "payment_applications",
  "credit_notes",
  "write_offs",
  "disputes",
  "promises_to_pay",
  "payment_plans",
  "communications",
  "tasks",
  "audit_log",
  "runs",
  "run_items",
  "predictions",
  "forecast_models",
  "cash_forecasts",
  "api_keys",
  "policy_versions",
];

async function rowCounts(): Promise<Record<string, number>> {
  const select = TABLES.map((table) => `(select count(*) from ${table})::int as ${table}`).join(", ");
  const [row] = (await t.database.current.db.execute(sql.raw(`select ${select}`))) as unknown as Record<
    string,
    number
  >[];
  return Object.fromEntries(TABLES.map((table) => [table, Number(row![table])]));
}

// ------------------------------------------------------------------------------------------------
// Arbitraries.

/** Long strings: a short unit repeated to 2–20 thousand characters (surrogate pairs may be cut). */
const hugeString = fc
  .tuple(fc.string({ unit: "grapheme", minLength: 1, maxLength: 3 }), fc.integer({ min: 2_000, max: 20_000 }))
  .map(([unit, n]) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n));

const NASTY_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "\udfff\ud800",
  "\u202eRTL",
  "😀👨‍👩‍👧",
  "null",
  "undefined",
  "NaN",
  "-1",
  "1e309",
  "../../etc/passwd",
  "%00",
  "%",
  "_",
  "\\",
  "' OR 1=1 --",
  "<script>alert(1)</script>",
  "0000-00-00",
  "2026-02-30",
  "2026-13-01",
  "0001-01-01",
  "9999-12-31",
  "+275760-09-13",
  "2026-03-02T25:00:00Z",
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
  "not-a-uuid",
  "ZZZ",
  "usd",
];

const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "grapheme", maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.constantFrom(...NASTY_STRINGS),
  { arbitrary: hugeString, weight: 1 },
);

const NASTY_NUMBERS = [
  -1,
  0,
  -0.5,
  0.5,
  1.5,
  -100_000,
  2 ** 31,
  2 ** 53 + 2,
  -(2 ** 53) - 2,
  1e21,
  -1e21,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
];
const anyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(...NASTY_NUMBERS),
);

const jsonGarbage = fc.jsonValue({ maxDepth: 3 });

type Kind = "string" | "number" | "boolean" | "null" | "array" | "object";
const kindOf = (value: unknown): Kind =>
  value === null ? "null" : Array.isArray(value) ? "array" : (typeof value as Kind);

const VALUES_OF_KIND: Record<Kind, fc.Arbitrary<unknown>> = {
  string: anyText,
  number: anyNumber,
  boolean: fc.boolean(),
  null: fc.constant(null),
  array: fc.array(jsonGarbage, { maxLength: 4 }),
  object: fc.dictionary(fc.string({ maxLength: 8 }), jsonGarbage, { maxKeys: 4 }),
};

/** A value of any JSON type but `value`'s own. */
const otherKind = (value: unknown) =>
  fc.oneof(
    ...(Object.entries(VALUES_OF_KIND) as [Kind, fc.Arbitrary<unknown>][])
      .filter(([kind]) => kind !== kindOf(value))
      .map(([, arbitrary]) => arbitrary),
  );

type Path = (string | number)[];

/** Every position in a JSON value: its path and the value there (the root excluded). */
function positions(value: unknown, path: Path = []): { path: Path; value: unknown }[] {
  const here = path.length ? [{ path, value }] : [];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => positions(v, [...path, i]))];
  if (value !== null && typeof value === "object") {
    return [...here, ...Object.entries(value).flatMap(([k, v]) => positions(v, [...path, k]))];
  }
  return here;
}

function setAt(root: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1)!] = value;
  return copy;
}

function deleteAt(root: unknown, path: Path): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  delete node[path.at(-1)!];
  return copy;
}

const startsWith = (path: Path, prefix: Path) => prefix.every((key, i) => path[i] === key);

/** Text that JSON.parse refuses (and that is not empty, which a body-optional route reads as {}). */
const malformedJson = (base: unknown) =>
  fc
    .oneof(
      fc.string({ minLength: 1, maxLength: 60 }),
      fc.string({ unit: "binary", minLength: 1, maxLength: 60 }),
      fc.integer({ min: 1, max: 200 }).map((cut) => JSON.stringify(base).slice(0, cut)),
      fc.constantFrom(
        "{",
        "}",
        "[1,]",
        "{'a':1}",
        '{"a":}',
        "NaN",
        "undefined",
        '{"a":1}}',
        "\u0000",
        "\ufeff{}",
      ),
      fc.integer({ min: 1, max: 3_000 }).map((n) => `${"[".repeat(n)}${"]".repeat(n - 1)}`),
    )
    .filter((text) => {
      if (text.length === 0) return false;
      try {
        // As the server reads it: UTF-8, a byte-order mark dropped.
        JSON.parse(new TextDecoder().decode(new TextEncoder().encode(text)));
        return false;
      } catch {
        return true;
      }
    });

/** Lone surrogates replaced, so the text can be percent-encoded (String#toWellFormed is ES2024). */
const wellFormed = (text: string) =>
  text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");

/** A query string: names and values percent-encoded, or raw junk. */
function queryString(entries: [string, string][]): string {
  return entries
    .map(
      ([name, value]) => `${encodeURIComponent(wellFormed(name))}=${encodeURIComponent(wellFormed(value))}`,
    )
    .join("&");
}

const RAW_QUERY_JUNK = [
  "&&&",
  "=",
  "=x",
  "%zz=1",
  "a=%00",
  "a=%E0%A4%A",
  "a&a&a",
  "?",
  "#frag",
  "a[b]=c",
  "%FF%FE=1",
];

/** A query parameter this API never knew. */
const unknownName = fc.string({ unit: "grapheme-ascii", maxLength: 12 }).map((s) => `fuzz_${s}`);

interface JsonProperty {
  type?: string;
  enum?: string[];
  format?: string;
  minimum?: number;
  maximum?: number;
  items?: JsonProperty;
}

function queryProperties(schema: z.ZodType | undefined): Record<string, JsonProperty> {
  if (!schema) return {};
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as {
    properties?: Record<string, JsonProperty>;
  };
  return json.properties ?? {};
}

/** A value for a query parameter of this schema: plausible, on the edge, or wrong. */
function queryValue(property: JsonProperty): fc.Arbitrary<string> {
  const wrong = fc.oneof(anyText, fc.constantFrom(...NASTY_STRINGS));
  const edge: fc.Arbitrary<string>[] = [];
  if (property.type === "integer" || property.type === "number") {
    const min = property.minimum ?? -1000;
    const max = property.maximum ?? 1000;
    edge.push(
      fc.integer({ min: Math.max(min, -1e9), max: Math.min(max, 1e9) }).map(String),
      fc.constantFrom(
        String(min),
        String(max),
        String(min - 1),
        String(max + 1),
        "1.5",
        "-0",
        "0x10",
        " 7",
        "1e3",
        "99999999999999999999",
        "Infinity",
      ),
    );
  } else if (property.type === "boolean") {
    edge.push(fc.constantFrom("true", "false", "TRUE", "1", "yes", ""));
  } else if (property.enum) {
    edge.push(
      fc.constantFrom(...property.enum),
      fc.constantFrom(...property.enum.map((e) => e.toUpperCase())),
    );
  } else if (property.format === "date") {
    edge.push(
      fc
        .date({
          min: new Date("0001-01-01T00:00:00Z"),
          max: new Date("9999-12-31T00:00:00Z"),
          noInvalidDate: true,
        })
        .map((d) => d.toISOString().slice(0, 10)),
      fc.constantFrom("0001-01-01", "9999-12-31", "2000-02-29", "1970-01-01", "2026-03-02"),
    );
  } else if (property.format === "uuid") {
    edge.push(fc.uuid(), fc.constant(customerId), fc.constant(invoiceId), fc.constant(runId));
  } else if (property.type === "string" && !property.format && !(property as { pattern?: string }).pattern) {
    edge.push(
      anyText,
      fc.constantFrom("a", "acme", "Fuzz", "INV-", "action.executed", "customer", "caller.role"),
    );
  } else if (property.type === "array") {
    edge.push(fc.array(fc.oneof(fc.uuid(), anyText), { maxLength: 5 }).map((items) => items.join(",")));
  }
  if (edge.length === 0) return wrong;
  // Mostly values the tool may take (its edges are where it breaks), some it must refuse.
  return fc.oneof({ arbitrary: fc.oneof(...edge), weight: 4 }, { arbitrary: wrong, weight: 1 });
}

// ------------------------------------------------------------------------------------------------
// The routes, one row each: how to fill the path, the valid body that is then broken, and what it
// leaves out of the generic breakage.

interface Row {
  /** A valid body, broken by the mutations (routes with a body). */
  base?: () => unknown;
  /** Required fields (paths); deleting one must be refused. */
  required?: Path[];
  /** Objects whose unknown fields are stripped, not refused (a tool's own input): no unknown keys there. */
  loose?: Path[];
  /** Content types besides JSON the route accepts, fuzzed with garbage in them. */
  alternates?: string[];
  /** Edge values are not fuzzed here (a policy upload that happened to be valid would judge every later call). */
  noEdges?: boolean;
}

const ID_OF: Record<string, () => string> = {
  customerId: () => customerId,
  invoiceId: () => invoiceId,
  runId: () => runId,
  actionId: () => pendingId,
  keyId: () => targetKeyId,
};

const ROUTES: Record<string, Row> = {
  "GET /healthz": {},
  "GET /openapi.json": {},
  "GET /docs": {},
  "GET /metrics": {},
  "GET /api/summary": {},
  "GET /api/ar-metrics": {},
  "GET /api/forecast": {},
  "GET /api/worklist": {},
  "GET /api/customers": {},
  "GET /api/customers/:customerId": {},
  "GET /api/customers/:customerId/payments": {},
  "GET /api/invoices": {},
  "GET /api/invoices/:invoiceId": {},
  "GET /api/payments/unapplied": {},
  "POST /api/payments/bank-files": {
    base: () => ({
      file: { name: "s.csv", content: "date,amount,memo\n2026-03-02,10.00,INV-1\n" },
      csvMapping: {
        date: "date",
        amount: "amount",
        remittance: "memo",
        options: { currency: "USD", account: "op" },
      },
      dryRun: true,
    }),
    required: [["file"], ["file", "name"], ["file", "content"]],
    alternates: ["multipart/form-data"],
  },
  "POST /api/inbound": {
    base: () => ({ channel: "sms", from: "+12125550199", body: "We will pay on Friday" }),
    required: [["channel"], ["from"], ["body"]],
    alternates: ["message/rfc822"],
  },
  "GET /api/approvals": {},
  "POST /api/approvals/:actionId/approve": { base: () => ({ note: "checked" }) },
  "POST /api/approvals/:actionId/edit": {
    base: () => ({ input: { customerId, invoiceIds: [invoiceId], reason: "edited" }, note: "n" }),
    required: [["input"], ["input", "customerId"], ["input", "invoiceIds"], ["input", "reason"]],
    loose: [["input"]],
  },
  "POST /api/approvals/:actionId/reject": { base: () => ({ note: "no" }), required: [["note"]] },
  "GET /api/runs": {},
  "POST /api/runs": { base: () => ({ asOf: "2026-04-20", customers: [customerRef], concurrency: 1 }) },
  "GET /api/runs/:runId": {},
  "GET /api/runs/:runId/report": {},
  "GET /api/runs/:runId/events": {},
  "GET /api/audit": {},
  "GET /api/audit/verify": {},
  "GET /api/policy": {},
  "GET /api/policy/versions": {},
  "PUT /api/policy": {
    base: () => ({ ...DEFAULT_POLICY, version: "fuzz-base" }),
    required: (
      (
        z.toJSONSchema(PolicyDocumentSchema, { io: "input", unrepresentable: "any" }) as {
          required?: string[];
        }
      ).required ?? []
    ).map((key) => [key]),
    alternates: ["application/yaml", "text/yaml"],
    noEdges: true,
  },
  "GET /api/keys": {},
  "POST /api/keys": { base: () => ({ name: "fuzzed", role: "viewer" }), required: [["name"], ["role"]] },
  "POST /api/keys/:keyId/revoke": {},
};

// ------------------------------------------------------------------------------------------------
// One fuzzed request and what its answer must be.

interface Fuzzed {
  category: string;
  /** Bad by construction: a 4xx is required (else only "not 5xx"). */
  mustRefuse: boolean;
  method: string;
  path: string;
  as: "admin" | "collector";
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  authorization?: string;
}

const ERROR_STATUS: Record<string, number[]> = {
  malformed_json: [400],
  malformed_multipart: [400],
  unauthenticated: [401],
  invalid_api_key: [401],
  api_key_revoked: [401],
  forbidden: [403],
  not_found: [404],
  method_not_allowed: [405],
  conflict: [409],
  run_not_finished: [409],
  approval_expired: [409],
  payload_too_large: [413],
  unsupported_media_type: [415],
  validation_failed: [422],
  invalid_input: [422],
  invalid_policy: [422],
  policy_denied: [422],
};

interface ErrorJson {
  code: string;
  message: string;
  requestId: string;
  details?: { issues?: { location: string; path: string; message: string }[]; errors?: string[] };
}

/** A refusal's body: the one error shape, a message, and for validation the field and its place. */
function checkRefusal(response: Response, text: string, label: string): ErrorJson {
  expect(response.headers.get("content-type") ?? "", label).toMatch(/^application\/json/);
  const body = JSON.parse(text) as { error?: ErrorJson };
  const error = body.error!;
  expect(error, label).toMatchObject({
    code: expect.any(String),
    message: expect.any(String),
    requestId: expect.any(String),
  });
  expect(error.message.trim(), label).not.toBe("");
  expect(error.requestId, label).toBe(response.headers.get("x-request-id"));
  expect(ERROR_STATUS[error.code], `${label}: unexpected error code ${error.code}`).toContain(
    response.status,
  );
  switch (error.code) {
    case "validation_failed":
    case "invalid_input": {
      const issues = error.details?.issues ?? [];
      expect(issues.length, label).toBeGreaterThan(0);
      for (const issue of issues) {
        expect(["path", "query", "body"], label).toContain(issue.location);
        expect(issue.path, label).not.toBe("");
        expect(issue.message.trim(), label).not.toBe("");
      }
      const first = issues[0]!;
      expect(error.message, label).toContain(
        first.path === "(input)" ? first.location : `${first.location}.${first.path}`,
      );
      break;
    }
    case "invalid_policy": {
      const errors = error.details?.errors ?? [];
      expect(errors.length, label).toBeGreaterThan(0);
      // Each error names where: a field path ("contact.frequency…: …", "(document): …") or the body's line and column.
      for (const e of errors) expect(e, label).toMatch(/^\S[^\n]*?: \S/);
      expect(error.message, label).toContain(errors[0]!);
      break;
    }
    case "malformed_json":
      expect(error.message, label).toMatch(/^the body is not valid JSON: \S/);
      break;
    case "malformed_multipart":
      expect(error.message, label).toMatch(/^the form could not be read: \S/);
      break;
    case "unsupported_media_type":
      expect(error.message, label).toMatch(/^content-type \S+ is not accepted here; send \S/);
      break;
    case "method_not_allowed":
      expect(response.headers.get("allow"), label).toMatch(/^[A-Z]+(, [A-Z]+)*$/);
      break;
    case "unauthenticated":
    case "invalid_api_key":
      expect(response.headers.get("www-authenticate"), label).toContain("Bearer");
      break;
    case "forbidden":
      expect(error.message, label).toMatch(/^role \w+ may not /);
      break;
  }
  return error;
}

/** Answers per route, category and status; printed with FUZZ_STATS=1 (to see what the fuzz reached). */
const STATS = new Map<string, number>();

async function send(request: Fuzzed): Promise<{ status: number; label: string; check: () => void }> {
  const headers: Record<string, string> = { ...request.headers };
  if (request.contentType !== undefined) headers["content-type"] = request.contentType;
  const response = await t.request(request.method, request.path, {
    as: request.as,
    headers,
    ...(request.body !== undefined ? { body: request.body } : {}),
    ...(request.contentType !== undefined ? { contentType: request.contentType } : {}),
    ...(request.authorization !== undefined ? { authorization: request.authorization } : {}),
  });
  const text = await response.text();
  const shown =
    (request.body ?? "").length > 300
      ? `${request.body!.slice(0, 300)}… (${request.body!.length} chars)`
      : request.body;
  const label = `${request.category}: ${request.method} ${request.path.slice(0, 300)} as ${request.as} ${
    request.contentType ?? ""
  } ${shown ?? ""} → ${response.status} ${text.slice(0, 400)}`;
  const stat = `${request.category.replace(/ (at|of) .*/, "")} → ${response.status}`;
  STATS.set(stat, (STATS.get(stat) ?? 0) + 1);
  const check = () => {
    expect(response.status, label).toBeLessThan(500);
    expect(response.headers.get("x-request-id") ?? "", label).toMatch(/^[\w.=-]{1,128}$/);
    if (request.mustRefuse) {
      expect(response.status, label).toBeGreaterThanOrEqual(400);
    }
    if (response.status >= 400) checkRefusal(response, text, label);
  };
  return { status: response.status, label, check };
}

// ------------------------------------------------------------------------------------------------
// Categories of bad input.

const asArb = fc.constantFrom("admin" as const, "admin" as const, "admin" as const, "collector" as const);

/** A path with its parameters given, each already encoded for the URL. */
function fillPath(template: string, given: Record<string, string> = {}): string {
  return template.replace(
    /:([A-Za-z0-9_]+)/g,
    (_m, name: string) => given[name] ?? encodeURIComponent(ID_OF[name]!()),
  );
}

const paramNames = (template: string) => [...template.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);

const RAW_PARAMS = [
  "..",
  "%2e%2e",
  ".%2E",
  "%00",
  "%",
  "%ZZ",
  "%E0%A4%A",
  "%2F",
  "%5C",
  "%20",
  "a%00b",
  "%C0%AE%C0%AE",
  "%EF%BF%BF",
  "%F0%9F%98%80",
  "x".repeat(10_000),
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
];

/** A path parameter that names nothing: random text (encoded), random UUIDs, or raw junk. */
const badParam: fc.Arbitrary<string> = fc.oneof(
  anyText.filter((s) => s !== "" && !/^\.{1,2}$/.test(s)).map((s) => encodeURIComponent(wellFormed(s))),
  fc.uuid(),
  fc.constantFrom(...RAW_PARAMS),
);

/** A body that is valid JSON but not an object. */
const nonObjectBody = fc.oneof(
  fc.array(jsonGarbage, { maxLength: 5 }),
  anyText,
  anyNumber,
  fc.boolean(),
  fc.constant(null),
);

/** A category of bad input and how often it is drawn against the others. */
type Category = { arbitrary: fc.Arbitrary<Fuzzed>; weight: number };

function bodyCategories(key: string, route: RouteSpec, row: Row): Category[] {
  const [method] = key.split(" ");
  const base = row.base!;
  const loose = row.loose ?? [];
  const make = (category: string, mustRefuse: boolean, body: string, contentType = "application/json") =>
    asArb.map(
      (as): Fuzzed => ({
        category,
        mustRefuse,
        method: method!,
        path: fillPath(route.path),
        as,
        body,
        contentType,
      }),
    );
  const json = (value: unknown) => JSON.stringify(value);
  const categories: Category[] = [];
  const add = (arbitrary: fc.Arbitrary<Fuzzed>, weight = 3) => categories.push({ arbitrary, weight });

  // Not an object at all.
  add(nonObjectBody.chain((value) => make("not an object", true, json(value))));

  // An unknown field, at the top or inside a strict nested object.
  const objects = [{ path: [] as Path, value: base() }, ...positions(base())].filter(
    (p) => kindOf(p.value) === "object" && !loose.some((l) => startsWith(p.path, l)),
  );
  add(
    fc
      .tuple(fc.constantFrom(...objects.map((o) => o.path)), unknownName, jsonGarbage)
      .chain(([path, name, value]) =>
        make(`unknown field ${[...path, name].join(".")}`, true, json(setAt(base(), [...path, name], value))),
      ),
  );

  // A field of the wrong type, anywhere.
  const leaves = positions(base());
  add(
    fc
      .constantFrom(...leaves)
      .chain((leaf) => otherKind(leaf.value).map((value) => ({ leaf, value })))
      .chain(({ leaf, value }) =>
        make(`wrong type at ${leaf.path.join(".")}`, true, json(setAt(base(), leaf.path, value))),
      ),
  );

  // A required field missing.
  if (row.required?.length) {
    add(
      fc
        .constantFrom(...row.required)
        .chain((path) => make(`missing ${path.join(".")}`, true, json(deleteAt(base(), path)))),
    );
  }

  // Edge values of the right type: huge and unicode strings, invalid dates and ids, negative,
  // fractional and out-of-range numbers (negative minor units among them). May be accepted.
  if (!row.noEdges) {
    const typed = leaves.filter((l) => kindOf(l.value) === "string" || kindOf(l.value) === "number");
    add(
      fc
        .constantFrom(...typed)
        .chain((leaf) =>
          (kindOf(leaf.value) === "string" ? anyText : anyNumber).map((value) => ({ leaf, value })),
        )
        .chain(({ leaf, value }) =>
          make(`edge value at ${leaf.path.join(".")}`, false, json(setAt(base(), leaf.path, value))),
        ),
    );
  }

  // Not JSON at all.
  add(malformedJson(base()).chain((text) => make("malformed JSON", true, text)));

  // A content type the route does not take, or garbage in one it does.
  const WRONG_TYPES = [
    "text/plain",
    "application/xml",
    "application/x-www-form-urlencoded",
    "application/octet-stream",
    "text/html; charset=utf-8",
    "image/png",
    "application/jsonx",
    "json",
    "*/*",
    "",
  ];
  add(
    fc
      .tuple(
        fc.constantFrom(...WRONG_TYPES),
        fc.oneof(
          fc.constant(json(base())),
          anyText.filter((s) => s !== ""),
        ),
      )
      .chain(([type, body]) => make(`content-type "${type}"`, true, body, type)),
  );
  for (const type of row.alternates ?? []) {
    add(alternateCategory(key, route, type));
  }

  // Query parameters the route does not take (a valid body: the query alone must refuse it).
  add(
    fc.tuple(unknownName, anyText, asArb).map(
      ([name, value, as]): Fuzzed => ({
        category: "unknown query parameter",
        mustRefuse: true,
        method: method!,
        path: `${fillPath(route.path)}?${queryString([[name, value]])}`,
        as,
        body: json(base()),
        contentType: "application/json",
      }),
    ),
  );

  // Larger than the route takes (JSON routes of 1 MiB; the bank-file and inbound limits are far larger).
  const limit = route.maxBodyBytes ?? 1024 * 1024;
  if (limit <= 1024 * 1024) {
    add(
      fc
        .integer({ min: 1, max: 64 })
        .chain((extra) => make("too large", true, `{"x":"${"a".repeat(limit + extra)}"}`)),
    );
  }
  return categories;
}

/** Garbage in a content type the route does take: a multipart form, an email, a YAML policy. */
function alternateCategory(key: string, route: RouteSpec, type: string): fc.Arbitrary<Fuzzed> {
  const [method] = key.split(" ");
  if (type === "multipart/form-data") {
    const boundary = "fuzzBoundary7MA4YWxkTrZu0gW";
    const field = (name: string, value: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const form = fc
      .record({
        file: fc.oneof(anyText, fc.constant("")),
        fields: fc.array(
          fc.tuple(fc.constantFrom("format", "csvMapping", "verifyTotals", "fuzz_field", "file"), anyText),
          { maxLength: 3 },
        ),
      })
      .map(
        ({ file, fields }) =>
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="s.txt"\r\nContent-Type: application/octet-stream\r\n\r\n${file}\r\n` +
          fields.map(([n, v]) => field(n, v.replace(/\r|\n/g, " "))).join("") +
          `--${boundary}--\r\n`,
      );
    return fc
      .tuple(
        fc.oneof(
          form,
          anyText.filter((s) => s !== ""),
        ),
        asArb,
      )
      .map(
        ([body, as]): Fuzzed => ({
          category: "multipart garbage",
          mustRefuse: true,
          method: method!,
          path: fillPath(route.path),
          as,
          body,
          contentType: `multipart/form-data; boundary=${boundary}`,
        }),
      );
  }
  if (type === "message/rfc822") {
    // A dry run: garbage that happened to be an email would otherwise be applied, which is not a refusal.
    const email = fc
      .tuple(
        fc.array(fc.tuple(fc.constantFrom("From", "Subject", "Date", "Message-ID", "X-Fuzz"), anyText), {
          maxLength: 4,
        }),
        anyText,
      )
      .map(
        ([headers, text]) =>
          `${headers.map(([n, v]) => `${n}: ${v.replace(/\r|\n/g, " ")}`).join("\r\n")}\r\n\r\n${text}`,
      );
    return fc
      .tuple(
        fc.oneof(
          email,
          anyText.filter((s) => s !== ""),
        ),
        asArb,
      )
      .map(
        ([body, as]): Fuzzed => ({
          category: "rfc822 garbage (dry run)",
          mustRefuse: false,
          method: method!,
          path: `${fillPath(route.path)}?dryRun=true`,
          as,
          body,
          contentType: "message/rfc822",
        }),
      );
  }
  // YAML: any text that is not a complete policy document.
  return fc
    .tuple(
      anyText.filter((s) => s !== ""),
      asArb,
    )
    .map(
      ([body, as]): Fuzzed => ({
        category: `${type} garbage`,
        mustRefuse: true,
        method: method!,
        path: fillPath(route.path),
        as,
        body,
        contentType: type,
      }),
    );
}

/** Queries for a route that takes them: known names with plausible, edge and wrong values, and unknown names. */
function queryCategories(key: string, route: RouteSpec): Category[] {
  const [method] = key.split(" ");
  const properties = queryProperties(route.query);
  const names = Object.keys(properties);
  const categories: Category[] = [];
  const add = (arbitrary: fc.Arbitrary<Fuzzed>, weight = 3) => categories.push({ arbitrary, weight });
  if (names.length > 0) {
    const entry = fc
      .constantFrom(...names)
      .chain((name) => queryValue(properties[name]!).map((v): [string, string] => [name, v]));
    add(
      fc.tuple(fc.uniqueArray(entry, { selector: ([name]) => name, minLength: 1, maxLength: 4 }), asArb).map(
        ([entries, as]): Fuzzed => ({
          category: "query values",
          mustRefuse: false,
          method: method!,
          path: `${fillPath(route.path)}?${queryString(entries)}`,
          as,
        }),
      ),
      9,
    );
  }
  // Unknown names, raw junk: refused, except by the public routes, which take no key and ignore queries.
  const isPublic = route.permission === "public";
  add(
    fc
      .tuple(
        fc.array(fc.tuple(unknownName, anyText), { minLength: 1, maxLength: 3 }),
        fc.array(fc.constantFrom(...RAW_QUERY_JUNK), { maxLength: 2 }),
        asArb,
      )
      .map(
        ([entries, junk, as]): Fuzzed => ({
          category: "unknown query parameters",
          mustRefuse: !isPublic,
          method: method!,
          path: `${fillPath(route.path)}?${[queryString(entries), ...junk].join("&")}`,
          as,
        }),
      ),
  );
  if (route.method === "get" && !isPublic) {
    // Raw junk alone: refused unless it names no parameter at all (only a #fragment).
    add(
      fc.tuple(fc.array(fc.constantFrom(...RAW_QUERY_JUNK), { minLength: 1, maxLength: 3 }), asArb).map(
        ([junk, as]): Fuzzed => ({
          category: "raw query junk",
          mustRefuse: false,
          method: method!,
          path: `${fillPath(route.path)}?${junk.join("&")}`,
          as,
        }),
      ),
      1,
    );
  }
  return categories;
}

/** Wrong methods, random Authorization headers and request ids: for every route. */
function commonCategories(key: string, route: RouteSpec, allMethods: Map<string, Set<string>>): Category[] {
  const [method] = key.split(" ");
  const declared = allMethods.get(route.path)!;
  const wrongMethods = ["GET", "POST", "PUT", "DELETE", "PATCH"].filter((m) => !declared.has(m));
  const printable = fc
    .string({ unit: "binary-ascii", maxLength: 80 })
    .map((s) => s.replace(/[^\x20-\x7e]/g, ""));
  const categories: Category[] = [];
  const add = (arbitrary: fc.Arbitrary<Fuzzed>, weight = 1) => categories.push({ arbitrary, weight });
  add(
    fc.tuple(fc.constantFrom(...wrongMethods), asArb).map(
      ([m, as]): Fuzzed => ({
        category: "wrong method",
        mustRefuse: true,
        method: m,
        path: fillPath(route.path),
        as,
      }),
    ),
  );
  if (route.permission !== "public") {
    add(
      fc
        .oneof(
          printable,
          printable.map((s) => `Bearer ${s}`),
          printable.map((s) => `Bearer arc_${s}`),
          fc.constantFrom(
            "Bearer",
            "Bearer ",
            "Basic dXNlcjpwYXNz",
            "bearer  arc_x_y",
            "Bearer arc__",
            "Token abc",
          ),
        )
        .chain((authorization) => printable.map((requestId) => ({ authorization, requestId })))
        .map(
          ({ authorization, requestId }): Fuzzed => ({
            category: "bad Authorization",
            mustRefuse: true,
            method: method!,
            path: fillPath(route.path),
            as: "admin",
            authorization,
            // The caller's request id is kept only when it is tame; the answer's id is checked in `send`.
            headers: { "x-request-id": requestId },
            ...(route.body ? { body: "{}", contentType: "application/json" } : {}),
          }),
        ),
    );
  }
  return categories;
}

// ------------------------------------------------------------------------------------------------

/** Keeps the givens the next call needs: a still-pending action to decide, no run working in the background. */
async function afterSuccess(key: string): Promise<void> {
  await t.api.runs.settled();
  if (key.startsWith("POST /api/approvals/")) pendingId = await newPendingAction();
}

async function fuzz(key: string, arbitrary: fc.Arbitrary<Fuzzed>, numRuns: number): Promise<void> {
  const writes = !key.startsWith("GET ");
  const before = await rowCounts();
  await fc.assert(
    fc.asyncProperty(arbitrary, async (request) => {
      const counts = writes ? await rowCounts() : undefined;
      const { status, label, check } = await send(request);
      try {
        check();
      } finally {
        // Even when the check fails: a run left working would write into the next calls' counts.
        if (status < 400) await afterSuccess(key);
      }
      if (status < 400) return;
      // Refused: nothing written.
      if (counts) {
        const after = await rowCounts();
        const changed = TABLES.filter((table) => after[table] !== counts[table]).map(
          (table) => `${table} ${counts[table]} → ${after[table]}`,
        );
        expect(changed, `refused, yet rows changed — ${label}`).toEqual([]);
      }
    }),
    { seed: SEED, numRuns },
  );
  // A read never writes, whatever it answered.
  if (!writes) expect(await rowCounts()).toEqual(before);
}

describe("fuzzing every route", () => {
  it("has a row for every route the API serves, and no other", () => {
    expect(Object.keys(ROUTES).sort()).toEqual(
      t.api.routes.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort(),
    );
  });

  for (const [key, row] of Object.entries(ROUTES)) {
    it(`${key}: bad input never answers 5xx; every refusal names what was wrong and writes nothing`, {
      timeout: 240_000,
    }, async () => {
      const route = t.api.routes.find((r) => `${r.method.toUpperCase()} ${r.path}` === key)!;
      const allMethods = new Map<string, Set<string>>();
      for (const r of t.api.routes) {
        if (!allMethods.has(r.path)) allMethods.set(r.path, new Set());
        allMethods.get(r.path)!.add(r.method.toUpperCase());
      }
      const categories = [
        ...(route.body ? bodyCategories(key, route, row) : []),
        ...queryCategories(key, route),
        ...commonCategories(key, route, allMethods),
      ];
      await fuzz(key, fc.oneof(...categories), RUNS);

      // Path parameters that name nothing: 404 (or another refusal), never a 5xx.
      const names = paramNames(route.path);
      if (names.length > 0) {
        const [method] = key.split(" ");
        await fuzz(
          key,
          fc.tuple(fc.constantFrom(...names), badParam, asArb).map(
            ([name, value, as]): Fuzzed => ({
              category: `path parameter ${name}`,
              mustRefuse: true,
              method: method!,
              path: fillPath(route.path, { [name]: value }),
              as,
              ...(row.base ? { body: JSON.stringify(row.base()), contentType: "application/json" } : {}),
            }),
          ),
          PATH_RUNS,
        );
      }
    });
  }

  // What the fuzz found (each was a 500, or a refusal naming nothing), kept as fixed examples.
  const FOUND: { name: string; method: string; path: () => string; body?: unknown; names: string }[] = [
    {
      name: "a forecast whose 13 weeks pass the year 9999",
      method: "GET",
      path: () => "/api/forecast?asOf=9999-12-31",
      names: "query.asOf",
    },
    {
      name: "a forecast as of the year 100",
      method: "GET",
      path: () => "/api/forecast?asOf=0100-03-01",
      names: "query.asOf",
    },
    {
      name: "a query parameter with no name",
      method: "GET",
      path: () => "/metrics?=",
      names: "query.(unnamed)",
    },
    {
      name: "a NUL in a read's text filter",
      method: "GET",
      path: () => "/api/audit?entityId=a%00b",
      names: "query.entityId",
    },
    {
      name: "a NUL in a customer search",
      method: "GET",
      path: () => "/api/customers?query=%00",
      names: "query.query",
    },
    {
      name: "a NUL in a key's name",
      method: "POST",
      path: () => "/api/keys",
      body: { name: "a\u0000b", role: "viewer" },
      names: "body.name",
    },
    {
      name: "a NUL in a policy's version",
      method: "PUT",
      path: () => "/api/policy",
      body: { ...DEFAULT_POLICY, version: "v\u0000" },
      names: "body.version",
    },
    {
      name: "a NUL in a run's customers",
      method: "POST",
      path: () => "/api/runs",
      body: { customers: ["a\u0000b"] },
      names: "body.customers.0",
    },
    {
      name: "an unpaired surrogate in a rejection's note",
      method: "POST",
      path: () => `/api/approvals/${pendingId}/reject`,
      body: { note: "\ud800" },
      names: "body.note",
    },
    {
      name: "a NUL in an approval's note",
      method: "POST",
      path: () => `/api/approvals/${pendingId}/approve`,
      body: { note: "ok\u0000" },
      names: "body.note",
    },
    {
      name: "an unpaired surrogate in an edited input",
      method: "POST",
      path: () => `/api/approvals/${pendingId}/edit`,
      body: { input: { customerId, invoiceIds: [invoiceId], reason: "cut \ud83d" } },
      names: "body.input.reason",
    },
    {
      name: "a NUL in a bank file's text",
      method: "POST",
      path: () => "/api/payments/bank-files",
      body: {
        file: { name: "s.csv", content: "date,amount,memo\n2026-03-02,10.00,INV\u00001\n" },
        csvMapping: {
          date: "date",
          amount: "amount",
          remittance: "memo",
          options: { currency: "USD", account: "op" },
        },
      },
      names: "body.file.content",
    },
  ];
  it.each(FOUND)("refuses $name by name, and writes nothing", async ({ method, path, body, names }) => {
    const before = await rowCounts();
    const response = await t.request(method, path(), body === undefined ? {} : { body });
    const text = await response.text();
    expect(response.status, text).toBe(422);
    const error = checkRefusal(response, text, `${method} ${path()}`);
    expect(error.message).toContain(names);
    expect(await rowCounts()).toEqual(before);
  });

  it("left the givens as they were: the action to decide is pending, the key to revoke is live", async () => {
    const pending = await t.request("GET", `/api/approvals?actionId=${pendingId}`);
    const body = await t.json<{ total?: number; approvals?: { actionId?: string; id?: string }[] }>(
      pending,
      200,
    );
    expect(JSON.stringify(body)).toContain(pendingId);
    const keys = await t.json<{ keys: { id: string; revokedAt: string | null }[] }>(
      await t.request("GET", "/api/keys"),
      200,
    );
    expect(keys.keys.find((k) => k.id === targetKeyId)?.revokedAt).toBeNull();
  });

  if (process.env.FUZZ_STATS) {
    it("prints what the fuzz reached", () => {
      console.log(
        [...STATS.entries()]
          .sort()
          .map(([k, n]) => `${n}\t${k}`)
          .join("\n"),
      );
    });
  }

  it("logged no request failure (a 5xx would have been logged as one)", () => {
    const failures = t.logLines.filter((line) => Number(line.level) >= 50);
    expect(failures.map((l) => JSON.stringify(l).slice(0, 500))).toEqual([]);
  });
});
