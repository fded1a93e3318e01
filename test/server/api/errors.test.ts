// The unhappy paths: every error is JSON { error: { code, message, details, requestId } } with the
// status that names the kind of problem, and the message names the field, path, role or rule.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { actions, customers, payments } from "../../../db/schema.ts";
import { DEFAULT_POLICY } from "../../../policies/index.ts";
import { createApiKey, revokeApiKey } from "../../../server/api-keys.ts";
import { ledgerCounts, makeCustomer, makeInvoice } from "../../support/fixtures.ts";
import { apiPerson, errorOf, type RequestOptions, useApi } from "./harness.ts";

const t = useApi();
const UNKNOWN_ID = "3b0b5f4e-9d1c-4c3e-8f7a-2a1b3c4d5e6f";

/** The error a request must end in: its status, and its body's code. */
async function expectError(
  method: string,
  path: string,
  options: RequestOptions,
  status: number,
  code: string,
) {
  const response = await t.request(method, path, options);
  const error = await errorOf(response);
  expect({ status: response.status, code: error?.code }, JSON.stringify(error)).toEqual({ status, code });
  expect(error.requestId).toBe(response.headers.get("x-request-id"));
  return error;
}

async function paymentCount(): Promise<number> {
  const [row] = await t.database.current.db.select({ n: sql<number>`count(*)::int` }).from(payments);
  return Number(row!.n);
}

async function pendingEscalation() {
  const db = t.database.current.db;
  const customer = await makeCustomer(db);
  const invoice = await makeInvoice(db, customer.id, { dueDate: "2026-01-10" });
  const result = await t.arc.runner.call(
    "escalate_to_legal",
    { customerId: customer.id, invoiceIds: [invoice.id], reason: "ninety days past due" },
    { caller: apiPerson("collector") },
  );
  if (result.status !== "pending_approval") throw new Error(`expected pending, got ${result.status}`);
  return { customer, invoice, actionId: result.actionId };
}

describe("authentication (401)", () => {
  it("no key, a malformed header, an unknown key and a revoked key are refused, each saying which", async () => {
    const none = await t.request("GET", "/api/summary", { as: "none" });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    expect(await errorOf(none)).toMatchObject({
      code: "unauthenticated",
      message: expect.stringContaining("Authorization: Bearer"),
    });
    await expectError("GET", "/api/summary", { authorization: "Basic dXNlcjpwYXNz" }, 401, "invalid_api_key");
    await expectError("GET", "/api/summary", { authorization: "Bearer not-a-key" }, 401, "invalid_api_key");
    const forged = t.keys.viewer.slice(0, -4) + "AAAA";
    await expectError("GET", "/api/summary", { authorization: `Bearer ${forged}` }, 401, "invalid_api_key");

    const db = t.database.current.db;
    const { key, secret } = await createApiKey(db, { name: "leaving", role: "collector" }, "test");
    expect((await t.request("GET", "/api/summary", { authorization: `Bearer ${secret}` })).status).toBe(200);
    await revokeApiKey(db, key.id, "test");
    const revoked = await expectError(
      "GET",
      "/api/summary",
      { authorization: `Bearer ${secret}` },
      401,
      "api_key_revoked",
    );
    expect(revoked.message).toContain("revoked");
  });
});

describe("authorisation (403)", () => {
  it("names the role and what it may not do, and changes nothing", async () => {
    const { actionId } = await pendingEscalation();
    const error = await expectError(
      "POST",
      `/api/approvals/${actionId}/approve`,
      { as: "viewer", body: {} },
      403,
      "forbidden",
    );
    expect(error.message).toBe(
      "role viewer may not decide on approvals: POST /api/approvals/:actionId/approve needs collector or admin",
    );
    const [action] = await t.database.current.db.select().from(actions).where(eq(actions.id, actionId));
    expect(action!.status).toBe("pending");
    const keys = await expectError(
      "POST",
      "/api/keys",
      { as: "collector", body: { name: "x", role: "admin" } },
      403,
      "forbidden",
    );
    expect(keys.message).toContain("role collector may not administer policy and API keys");
  });
});

describe("malformed requests (400, 413, 415, 422)", () => {
  it("bad JSON is a 400 naming the parse error", async () => {
    const error = await expectError("POST", "/api/keys", { body: '{"name": "x", ' }, 400, "malformed_json");
    expect(error.message).toMatch(/^the body is not valid JSON: /);
  });

  it("unknown fields and wrong types are 422s naming each field", async () => {
    const unknown = await expectError(
      "POST",
      "/api/keys",
      { body: { name: "x", role: "viewer", rol: "admin" } },
      422,
      "validation_failed",
    );
    expect(unknown.message).toContain("body.rol: unknown field");
    expect(unknown.details).toEqual({
      issues: [{ location: "body", path: "rol", message: expect.stringContaining("unknown field") }],
    });

    const wrongType = await expectError(
      "POST",
      "/api/keys",
      { body: { name: 42, role: "boss" } },
      422,
      "validation_failed",
    );
    const paths = (wrongType.details!.issues as { path: string }[]).map((i) => i.path).sort();
    expect(paths).toEqual(["name", "role"]);
    expect(wrongType.message).toMatch(/^invalid request: body\.name: .* \(and 1 more\)$/);

    const nested = await expectError(
      "POST",
      "/api/payments/bank-files",
      { as: "collector", body: { file: { name: "a.sta", content: "x", path: "/etc/passwd" } } },
      422,
      "validation_failed",
    );
    expect(nested.message).toContain("body.file.path: unknown field");

    const query = await expectError("GET", "/api/customers?limit=lots", {}, 422, "validation_failed");
    expect(query.message).toContain("query.limit:");
    const range = await expectError("GET", "/api/customers?limit=5000", {}, 422, "validation_failed");
    expect(range.message).toContain("query.limit:");
    const unknownParam = await expectError("GET", "/api/customers?colour=red", {}, 422, "validation_failed");
    expect(unknownParam.message).toContain("query.colour: unknown query parameter");
    const none = await expectError("GET", "/api/keys?role=admin", {}, 422, "validation_failed");
    expect(none.message).toContain("query.role: unknown query parameter; this route takes none");
    const badEnum = await expectError("GET", "/api/approvals?order=loudest", {}, 422, "validation_failed");
    expect(badEnum.message).toContain("query.order:");
  });

  it("a body in the wrong content type is a 415; a body over the limit a 413", async () => {
    await expectError(
      "POST",
      "/api/keys",
      { body: "name=x", contentType: "application/x-www-form-urlencoded" },
      415,
      "unsupported_media_type",
    );
    await expectError(
      "PUT",
      "/api/policy",
      { body: `version: "${"x".repeat(1_100_000)}"`, contentType: "application/yaml" },
      413,
      "payload_too_large",
    );
  });
});

describe("unknown things (404)", () => {
  it("unknown routes, unknown ids and malformed ids; a known path with the wrong method is a 405", async () => {
    await expectError("GET", "/api/nothing-here", {}, 404, "not_found");
    const wrongMethod = await t.request("DELETE", "/api/keys");
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("GET, POST");
    expect((await errorOf(wrongMethod)).message).toBe("DELETE is not allowed on /api/keys; use GET or POST");
    const customer = await expectError("GET", `/api/customers/${UNKNOWN_ID}`, {}, 404, "not_found");
    expect(customer.message).toBe(`no customer ${UNKNOWN_ID}`);
    await expectError("GET", `/api/customers/${UNKNOWN_ID}/payments`, {}, 404, "not_found");
    const invoice = await expectError("GET", `/api/invoices/${UNKNOWN_ID}`, {}, 404, "not_found");
    expect(invoice.message).toBe(`no invoice ${UNKNOWN_ID}`);
    const malformed = await expectError("GET", "/api/invoices/INV-1", {}, 404, "not_found");
    expect(malformed.message).toContain('invoiceId "INV-1"');
    const action = await expectError(
      "POST",
      `/api/approvals/${UNKNOWN_ID}/approve`,
      { body: {} },
      404,
      "not_found",
    );
    expect(action.message).toBe(`no action ${UNKNOWN_ID}`);
    await expectError("POST", `/api/keys/${UNKNOWN_ID}/revoke`, {}, 404, "not_found");
    await expectError("GET", `/api/runs/${UNKNOWN_ID}`, {}, 404, "not_found");
    await expectError("GET", `/api/runs/${UNKNOWN_ID}/events`, {}, 404, "not_found");
  });
});

describe("decisions", () => {
  it("a second decision is a 409 naming who decided and when", async () => {
    const { actionId } = await pendingEscalation();
    expect(
      (await t.request("POST", `/api/approvals/${actionId}/approve`, { as: "collector", body: {} })).status,
    ).toBe(200);
    const error = await expectError(
      "POST",
      `/api/approvals/${actionId}/reject`,
      { as: "admin", body: { note: "too late" } },
      409,
      "conflict",
    );
    expect(error.message).toMatch(
      new RegExp(`^action ${actionId} is already executed by api:test-collector@[0-9a-f]{12} at \\d{4}-`),
    );
  });

  it("a rejection without a reason is a 422 naming the note, and the action stays pending", async () => {
    const { actionId } = await pendingEscalation();
    for (const body of [{}, { note: "   " }]) {
      const error = await expectError(
        "POST",
        `/api/approvals/${actionId}/reject`,
        { as: "collector", body },
        422,
        "validation_failed",
      );
      expect(error.message).toContain("body.note: a rejection needs the collector's reason");
    }
    const [action] = await t.database.current.db.select().from(actions).where(eq(actions.id, actionId));
    expect(action!.status).toBe("pending");
  });

  it("an edit the tool refuses is a 422 naming the field inside the input", async () => {
    const { actionId, customer, invoice } = await pendingEscalation();
    const error = await expectError(
      "POST",
      `/api/approvals/${actionId}/edit`,
      { as: "collector", body: { input: { customerId: customer.id, invoiceIds: [invoice.id], reason: "" } } },
      422,
      "invalid_input",
    );
    expect(error.message).toContain("body.input.reason:");
  });

  it("an approval the policy now denies is a 422 naming the rule (the customer filed for bankruptcy meanwhile)", async () => {
    const { actionId, customer } = await pendingEscalation();
    await t.database.current.db
      .update(customers)
      .set({ bankruptcyFiledAt: new Date("2026-03-01T00:00:00Z") })
      .where(eq(customers.id, customer.id));
    const error = await expectError(
      "POST",
      `/api/approvals/${actionId}/approve`,
      { as: "collector", body: {} },
      422,
      "policy_denied",
    );
    expect(error.message).toContain("account.bankruptcy");
    expect(error.details).toMatchObject({
      actionId,
      reasons: expect.arrayContaining([expect.objectContaining({ ruleId: "account.bankruptcy" })]),
    });
  });
});

describe("bank files", () => {
  it("a malformed file imports nothing and the error names the line", async () => {
    const before = await ledgerCounts(t.database.current.db);
    const content = readFileSync(
      join(import.meta.dirname, "../../fixtures/bank-files/mt940-broken-date.sta"),
      "utf8",
    );
    const error = await expectError(
      "POST",
      "/api/payments/bank-files",
      { as: "collector", body: { file: { name: "broken.sta", content } } },
      422,
      "invalid_input",
    );
    expect(error.message).toBe(
      "the input was refused: body.file: broken.sta: mt940: line 9 (:61:): value date 251340 is not a date",
    );
    expect(await ledgerCounts(t.database.current.db)).toEqual(before);
    expect(await paymentCount()).toBe(0);
  });
});

describe("policy uploads", () => {
  it("an invalid document is a 422 listing every error by its path; nothing is stored", async () => {
    const broken = structuredClone(DEFAULT_POLICY) as unknown as {
      version: string;
      contact: { frequency: { consumer: { call: { max: number } } }; localTime: { start: string } };
    };
    broken.version = "2026.9-broken";
    broken.contact.frequency.consumer.call.max = -1;
    broken.contact.localTime.start = "25:00";
    const error = await expectError("PUT", "/api/policy", { body: broken }, 422, "invalid_policy");
    expect(error.message).toMatch(/^the policy document is invalid: contact\./);
    const errors = error.details!.errors as string[];
    expect(errors.some((e) => e.startsWith("contact.frequency.consumer.call.max:"))).toBe(true);
    expect(errors.some((e) => e.startsWith("contact.localTime.start:"))).toBe(true);

    const yaml = await expectError(
      "PUT",
      "/api/policy",
      { body: "version: [unclosed\n", contentType: "application/yaml" },
      422,
      "invalid_policy",
    );
    expect(yaml.message).toMatch(/^the policy document is invalid: body:\d+:\d+: /);

    const versions = await t.json<{ versions: unknown[] }>(
      await t.request("GET", "/api/policy/versions"),
      200,
    );
    expect(versions.versions).toEqual([]);
    expect(t.arc.policy.version).toBe(DEFAULT_POLICY.version);
  });

  it("the built-in default's version cannot be reused", async () => {
    const error = await expectError(
      "PUT",
      "/api/policy",
      { body: stringify(DEFAULT_POLICY), contentType: "text/yaml" },
      409,
      "conflict",
    );
    expect(error.message).toContain("built-in default");
  });
});
