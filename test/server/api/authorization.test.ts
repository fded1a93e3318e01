// The authorization matrix: every route × every role (and no key), with the exact status. Each
// allowed call gets fresh givens (a new pending approval to decide, a new key to revoke, a new policy
// version), so the statuses say what the role may do, not what happened to be left over. A route
// added without a row here fails the first test.
import { beforeAll, describe, expect, it } from "vitest";
import { rulesBrain } from "../../../agents/rules-brain.ts";
import type { Role } from "../../../db/schema.ts";
import { DEFAULT_POLICY } from "../../../policies/index.ts";
import { createApiKey } from "../../../server/api-keys.ts";
import { runAccounts } from "../../../server/run.ts";
import { makeCustomer, makeInvoice } from "../../support/fixtures.ts";
import { apiPerson, type RequestOptions, ROLES_UNDER_TEST, useApi } from "./harness.ts";

const t = useApi();

interface Call {
  path: string;
  body?: unknown;
}

interface Row {
  /** The status every role allowed to call it gets. */
  ok: number;
  /** Who may call it; "public" routes need no key at all. */
  allowed: readonly Role[] | "public";
  /** A fresh request: may arrange givens first. */
  call(): Promise<Call>;
}

const READERS = ["admin", "collector", "viewer"] as const;
const DECIDERS = ["admin", "collector"] as const;
const ADMINS = ["admin"] as const;

let customerId = "";
let customerRef = "";
let invoiceId = "";
let runId = "";
let counter = 0;

beforeAll(async () => {
  const db = t.database.current.db;
  const customer = await makeCustomer(db, { name: "Matrix Co" });
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
});

async function pendingAction(): Promise<string> {
  const result = await t.arc.runner.call(
    "escalate_to_legal",
    { customerId, invoiceIds: [invoiceId], reason: `matrix ${++counter}` },
    { caller: apiPerson("collector") },
  );
  if (result.status !== "pending_approval") throw new Error(`expected pending, got ${result.status}`);
  return result.actionId;
}

const get =
  (path: () => string): Row["call"] =>
  async () => ({ path: path() });

const MATRIX: Record<string, Row> = {
  "GET /healthz": { ok: 200, allowed: "public", call: get(() => "/healthz") },
  "GET /openapi.json": { ok: 200, allowed: "public", call: get(() => "/openapi.json") },
  "GET /docs": { ok: 200, allowed: "public", call: get(() => "/docs") },
  "GET /metrics": { ok: 200, allowed: READERS, call: get(() => "/metrics") },
  "GET /api/summary": { ok: 200, allowed: READERS, call: get(() => "/api/summary") },
  "GET /api/ar-metrics": { ok: 200, allowed: READERS, call: get(() => "/api/ar-metrics?asOf=2026-03-02") },
  "GET /api/forecast": { ok: 200, allowed: READERS, call: get(() => "/api/forecast?asOf=2026-03-02") },
  "GET /api/worklist": { ok: 200, allowed: READERS, call: get(() => "/api/worklist?asOf=2026-03-02") },
  "GET /api/customers": { ok: 200, allowed: READERS, call: get(() => "/api/customers?query=matrix") },
  "GET /api/customers/:customerId": {
    ok: 200,
    allowed: READERS,
    call: get(() => `/api/customers/${customerId}`),
  },
  "GET /api/customers/:customerId/payments": {
    ok: 200,
    allowed: READERS,
    call: get(() => `/api/customers/${customerId}/payments`),
  },
  "GET /api/invoices": {
    ok: 200,
    allowed: READERS,
    call: get(() => `/api/invoices?customerId=${customerId}`),
  },
  "GET /api/invoices/:invoiceId": {
    ok: 200,
    allowed: READERS,
    call: get(() => `/api/invoices/${invoiceId}`),
  },
  "GET /api/payments/unapplied": { ok: 200, allowed: READERS, call: get(() => "/api/payments/unapplied") },
  "POST /api/payments/bank-files": {
    ok: 200,
    allowed: DECIDERS,
    call: async () => ({
      path: "/api/payments/bank-files",
      body: {
        file: { name: "s.csv", content: "date,amount,memo\n2026-03-02,10.00,INV-1\n" },
        csvMapping: {
          date: "date",
          amount: "amount",
          remittance: "memo",
          options: { currency: "USD", account: "op" },
        },
        dryRun: true,
      },
    }),
  },
  "POST /api/inbound": {
    ok: 200,
    allowed: DECIDERS,
    call: async () => ({
      path: "/api/inbound?dryRun=true",
      body: { channel: "sms", from: "+12125550199", body: "We will pay on Friday" },
    }),
  },
  "GET /api/approvals": { ok: 200, allowed: READERS, call: get(() => "/api/approvals?order=priority") },
  "POST /api/approvals/:actionId/approve": {
    ok: 200,
    allowed: DECIDERS,
    call: async () => ({ path: `/api/approvals/${await pendingAction()}/approve`, body: {} }),
  },
  "POST /api/approvals/:actionId/edit": {
    ok: 200,
    allowed: DECIDERS,
    call: async () => ({
      path: `/api/approvals/${await pendingAction()}/edit`,
      body: { input: { customerId, invoiceIds: [invoiceId], reason: "edited" } },
    }),
  },
  "POST /api/approvals/:actionId/reject": {
    ok: 200,
    allowed: DECIDERS,
    call: async () => ({ path: `/api/approvals/${await pendingAction()}/reject`, body: { note: "no" } }),
  },
  "GET /api/runs": { ok: 200, allowed: READERS, call: get(() => "/api/runs") },
  "POST /api/runs": {
    ok: 202,
    allowed: DECIDERS,
    // A date of its own each time: one run per date works at once.
    call: async () => ({
      path: "/api/runs",
      body: { asOf: `2026-04-${String(10 + ++counter).padStart(2, "0")}`, customers: [customerRef] },
    }),
  },
  "GET /api/runs/:runId": { ok: 200, allowed: READERS, call: get(() => `/api/runs/${runId}`) },
  "GET /api/runs/:runId/report": { ok: 200, allowed: READERS, call: get(() => `/api/runs/${runId}/report`) },
  "GET /api/runs/:runId/events": { ok: 200, allowed: READERS, call: get(() => `/api/runs/${runId}/events`) },
  "GET /api/audit": { ok: 200, allowed: READERS, call: get(() => "/api/audit?limit=5") },
  "GET /api/audit/verify": { ok: 200, allowed: READERS, call: get(() => "/api/audit/verify") },
  "GET /api/policy": { ok: 200, allowed: READERS, call: get(() => "/api/policy") },
  "GET /api/policy/versions": { ok: 200, allowed: READERS, call: get(() => "/api/policy/versions") },
  "PUT /api/policy": {
    ok: 201,
    allowed: ADMINS,
    call: async () => ({ path: "/api/policy", body: { ...DEFAULT_POLICY, version: `matrix-${++counter}` } }),
  },
  "GET /api/keys": { ok: 200, allowed: ADMINS, call: get(() => "/api/keys") },
  "POST /api/keys": {
    ok: 201,
    allowed: ADMINS,
    call: async () => ({ path: "/api/keys", body: { name: `matrix-${++counter}`, role: "viewer" } }),
  },
  "POST /api/keys/:keyId/revoke": {
    ok: 200,
    allowed: ADMINS,
    call: async () => {
      const { key } = await createApiKey(
        t.database.current.db,
        { name: "to-revoke", role: "viewer" },
        "test",
      );
      return { path: `/api/keys/${key.id}/revoke` };
    },
  },
};

const CASES = Object.entries(MATRIX).flatMap(([route, row]) =>
  [...ROLES_UNDER_TEST, "none" as const].map((as) => {
    const expected =
      row.allowed === "public" ? row.ok : as === "none" ? 401 : row.allowed.includes(as) ? row.ok : 403;
    return { route, as, expected };
  }),
);

describe("authorization matrix", () => {
  it("has a row for every route the API serves, and no other", () => {
    expect(Object.keys(MATRIX).sort()).toEqual(
      t.api.routes.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort(),
    );
  });

  it.each(CASES)("$route as $as → $expected", async ({ route, as, expected }) => {
    const row = MATRIX[route]!;
    const method = route.split(" ")[0]!;
    const call = await row.call();
    const options: RequestOptions = { as, ...(call.body !== undefined ? { body: call.body } : {}) };
    const response = await t.request(method, call.path, options);
    const text = await response.text();
    expect(response.status, text.slice(0, 500)).toBe(expected);
    if (expected === 401 || expected === 403) {
      expect(JSON.parse(text).error.code).toBe(expected === 401 ? "unauthenticated" : "forbidden");
    }
  });
});
