// Each area of the API doing its job, in-process (app.request) against this file's database: reads
// through the read tools, writes through the runner, decisions through server/approvals.ts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { actions, auditLog, communications, customers } from "../../../db/schema.ts";
import { DEFAULT_POLICY } from "../../../policies/index.ts";
import { createApi } from "../../../server/api/index.ts";
import { makeCustomer, makeInvoice, makePayment } from "../../support/fixtures.ts";
import { apiPerson, errorOf, useApi } from "./harness.ts";

const t = useApi();
const BANK_FIXTURES = join(import.meta.dirname, "../../fixtures/bank-files");

/** A pending legal escalation, proposed by an API user (not an agent): decided by the runner directly. */
async function pendingEscalation(name = "Escalation Co") {
  const db = t.database.current.db;
  const customer = await makeCustomer(db, { name });
  const invoice = await makeInvoice(db, customer.id, { dueDate: "2026-01-10" });
  const result = await t.arc.runner.call(
    "escalate_to_legal",
    { customerId: customer.id, invoiceIds: [invoice.id], reason: "ninety days past due" },
    { caller: apiPerson("collector") },
  );
  if (result.status !== "pending_approval") throw new Error(`expected pending, got ${result.status}`);
  return { customer, invoice, actionId: result.actionId };
}

describe("customers and invoices", () => {
  it("search, overview, payment history; invoice list by status and detail; money in minor units with currency", async () => {
    const db = t.database.current.db;
    const customer = await makeCustomer(db, { name: "Zebra Searchable Ltd", currency: "EUR" });
    const overdue = await makeInvoice(db, customer.id, {
      currency: "EUR",
      amountMinor: 250_000,
      dueDate: "2026-02-01",
    });
    await makeInvoice(db, customer.id, { currency: "EUR", amountMinor: 99_00, dueDate: "2026-04-01" });

    const found = await t.json<{ customers: { id: string; balances: Record<string, unknown> }[] }>(
      await t.request("GET", "/api/customers?query=zebra%20search&overdueOnly=true", { as: "viewer" }),
      200,
    );
    expect(found.customers).toEqual([
      expect.objectContaining({
        id: customer.id,
        balances: { EUR: { openMinor: 259_900, overdueMinor: 250_000 } },
      }),
    ]);

    const overview = await t.json<{
      customer: { id: string };
      openInvoices: { id: string; daysOverdue: number }[];
    }>(await t.request("GET", `/api/customers/${customer.id}?asOf=2026-03-02`, { as: "viewer" }), 200);
    expect(overview.customer.id).toBe(customer.id);
    expect(overview.openInvoices.find((i) => i.id === overdue.id)?.daysOverdue).toBe(29);

    const history = await t.json<{ payments: unknown[] }>(
      await t.request("GET", `/api/customers/${customer.id}/payments`, { as: "viewer" }),
      200,
    );
    expect(history.payments).toEqual([]);

    const listed = await t.json<{ invoices: { id: string; currency: string; balanceMinor: number }[] }>(
      await t.request("GET", `/api/invoices?customerId=${customer.id}&status=overdue`, { as: "viewer" }),
      200,
    );
    expect(listed.invoices).toEqual([
      expect.objectContaining({ id: overdue.id, currency: "EUR", balanceMinor: 250_000 }),
    ]);
    const all = await t.json<{ invoices: unknown[] }>(
      await t.request("GET", `/api/invoices?customerId=${customer.id}&status=all`, { as: "viewer" }),
      200,
    );
    expect(all.invoices).toHaveLength(2);

    const detail = await t.json<{
      invoice: { id: string; amountMinor: number; currency: string; daysOverdue: number };
      applications: unknown[];
      prediction: unknown;
    }>(await t.request("GET", `/api/invoices/${overdue.id}`, { as: "viewer" }), 200);
    expect(detail.invoice).toMatchObject({
      id: overdue.id,
      amountMinor: 250_000,
      currency: "EUR",
      daysOverdue: 29,
    });
    expect(detail.applications).toEqual([]);
    expect(detail.prediction).toBeNull();
  });
});

describe("payments", () => {
  it("lists unapplied payments, including unidentified payers", async () => {
    const stranger = await makePayment(t.database.current.db, { payerName: "Unknown Payer GmbH" });
    const body = await t.json<{ payments: { id: string }[] }>(
      await t.request("GET", "/api/payments/unapplied?unidentifiedOnly=true&limit=500", { as: "viewer" }),
      200,
    );
    expect(body.payments.map((p) => p.id)).toContain(stranger.id);
  });

  it("a bank file: dry run writes nothing, the import goes through the tool and identification, a retry replays", async () => {
    const db = t.database.current.db;
    const content = readFileSync(join(BANK_FIXTURES, "bank-export.csv"), "utf8");
    const csvMapping = readFileSync(join(BANK_FIXTURES, "bank-export.mapping.yaml"), "utf8");
    const upload = { file: { name: "bank-export.csv", content }, csvMapping };
    const count = async () => Number((await db.execute(sql`select count(*)::int as n from payments`))[0]!.n);
    const before = await count();

    const dry = await t.json<{
      dryRun: boolean;
      verdict: { verdict: string };
      preview: { format: string; statements: { transactions: { import: string }[] }[] };
    }>(
      await t.request("POST", "/api/payments/bank-files", {
        as: "collector",
        body: { ...upload, dryRun: true },
      }),
      200,
    );
    expect(dry).toMatchObject({ dryRun: true, verdict: { verdict: "allow" }, preview: { format: "csv" } });
    const imports = dry.preview.statements.flatMap((s) => s.transactions.map((tx) => tx.import));
    expect(imports).toContain("new");
    expect(imports).toContain("skipped");
    expect(await count()).toBe(before);

    const headers = { "idempotency-key": "upload-1" };
    const imported = await t.json<{
      status: string;
      actionId: string;
      replayed: boolean;
      import: { imported: number; paymentIds: string[] };
      identification: { payments: number };
    }>(await t.request("POST", "/api/payments/bank-files", { as: "collector", body: upload, headers }), 201);
    expect(imported).toMatchObject({ status: "executed", replayed: false });
    expect(imported.import.imported).toBeGreaterThan(0);
    expect(imported.identification.payments).toBe(imported.import.imported);
    expect(await count()).toBe(before + imported.import.imported);
    const [action] = await db.select().from(actions).where(eq(actions.id, imported.actionId));
    expect(action).toMatchObject({
      tool: "import_bank_file",
      status: "executed",
      caller: { kind: "api", role: "collector" },
    });

    const again = await t.json<{ replayed: boolean; actionId: string }>(
      await t.request("POST", "/api/payments/bank-files", { as: "collector", body: upload, headers }),
      200,
    );
    expect(again).toMatchObject({ replayed: true, actionId: imported.actionId });
    expect(await count()).toBe(before + imported.import.imported);
  });

  it("a bank file as multipart/form-data (curl -F file=@statement.sta)", async () => {
    const form = new FormData();
    form.set("file", new Blob([readFileSync(join(BANK_FIXTURES, "mt940-usd.sta"))]), "mt940-usd.sta");
    form.set("dryRun", "true");
    const response = await t.api.app.request("/api/payments/bank-files", {
      method: "POST",
      headers: { authorization: `Bearer ${t.keys.collector}` },
      body: form,
    });
    const body = await t.json<{ preview: { format: string; file: string } }>(response, 200);
    expect(body.preview).toMatchObject({ format: "mt940", file: "mt940-usd.sta" });
  });
});

describe("approvals", () => {
  it("lists with filters and in priority order, with rationale, reasons and the total", async () => {
    const db = t.database.current.db;
    const calm = await pendingEscalation("Calm Account");
    const risky = await pendingEscalation("Risky Account");
    await db.update(customers).set({ riskScore: 95 }).where(eq(customers.id, risky.customer.id));
    await db.update(customers).set({ riskScore: 10 }).where(eq(customers.id, calm.customer.id));

    const byPriority = await t.json<{
      approvals: { id: string; customerRiskScore: number | null }[];
      total: number;
    }>(
      await t.request("GET", "/api/approvals?order=priority&tool=escalate_to_legal&limit=500", {
        as: "viewer",
      }),
      200,
    );
    const ids = byPriority.approvals.map((a) => a.id);
    expect(ids.indexOf(risky.actionId)).toBeLessThan(ids.indexOf(calm.actionId));
    expect(byPriority.total).toBeGreaterThanOrEqual(2);

    const byCustomer = await t.json<{
      approvals: { id: string; reasons: { ruleId: string }[] }[];
      total: number;
    }>(
      await t.request(
        "GET",
        `/api/approvals?customerId=${calm.customer.id}&ruleId=legal.escalation_approval`,
        { as: "viewer" },
      ),
      200,
    );
    expect(byCustomer).toMatchObject({
      total: 1,
      approvals: [
        { id: calm.actionId, reasons: [expect.objectContaining({ ruleId: "legal.escalation_approval" })] },
      ],
    });
    const noneForRule = await t.json<{ total: number }>(
      await t.request(
        "GET",
        `/api/approvals?customerId=${calm.customer.id}&ruleId=cash.auto_apply_threshold`,
      ),
      200,
    );
    expect(noneForRule.total).toBe(0);
  });

  it("approve executes through the runner; the decision and execution are audited under the key's name", async () => {
    const { actionId } = await pendingEscalation();
    const body = await t.json<{ result: { status: string }; resumedThread: boolean }>(
      await t.request("POST", `/api/approvals/${actionId}/approve`, {
        as: "collector",
        body: { note: "agreed" },
      }),
      200,
    );
    expect(body).toMatchObject({ result: { status: "executed" }, resumedThread: false });
    const [action] = await t.database.current.db.select().from(actions).where(eq(actions.id, actionId));
    expect(action).toMatchObject({
      status: "executed",
      decidedBy: "api:test-collector@" + keyPrefix("collector"),
    });
    const trail = await t.json<{ entries: { event: string; actor: string }[] }>(
      await t.request("GET", `/api/audit?actionId=${actionId}`, { as: "viewer" }),
      200,
    );
    expect(trail.entries.map((e) => e.event)).toEqual([
      "action.executed",
      "action.approved",
      "action.proposed",
    ]);
  });

  it("approve with no body at all is an approval without a note", async () => {
    const { actionId } = await pendingEscalation();
    const response = await t.api.app.request(`/api/approvals/${actionId}/approve`, {
      method: "POST",
      headers: { authorization: `Bearer ${t.keys.admin}` },
    });
    expect((await t.json<{ result: { status: string } }>(response, 200)).result.status).toBe("executed");
  });

  it("edit-and-approve executes the edited input", async () => {
    const { actionId, customer, invoice } = await pendingEscalation();
    const input = { customerId: customer.id, invoiceIds: [invoice.id], reason: "edited: refer to counsel" };
    const body = await t.json<{ result: { status: string } }>(
      await t.request("POST", `/api/approvals/${actionId}/edit`, {
        as: "collector",
        body: { input, note: "tone" },
      }),
      200,
    );
    expect(body.result.status).toBe("executed");
    const [action] = await t.database.current.db.select().from(actions).where(eq(actions.id, actionId));
    expect(action).toMatchObject({ status: "executed", editedInput: input, decisionNote: "tone" });
  });

  it("reject records the reason", async () => {
    const { actionId } = await pendingEscalation();
    const body = await t.json<{ result: { status: string; note: string } }>(
      await t.request("POST", `/api/approvals/${actionId}/reject`, {
        as: "collector",
        body: { note: "customer paid by cheque" },
      }),
      200,
    );
    expect(body.result).toMatchObject({ status: "rejected", note: "customer paid by cheque" });
  });
});

describe("forecast, worklist, AR metrics, summary", () => {
  it("answer through their read tools", async () => {
    const forecast = await t.json<{ asOf: string; forecast: unknown }>(
      await t.request("GET", "/api/forecast?asOf=2026-03-02&history=2", { as: "viewer" }),
      200,
    );
    expect(forecast.asOf).toBe("2026-03-02");
    const worklist = await t.json<Record<string, unknown>>(
      await t.request("GET", "/api/worklist?asOf=2026-03-02&limit=5", { as: "viewer" }),
      200,
    );
    expect(worklist).toBeTypeOf("object");
    const metrics = await t.json<{ asOf: string; periodDays: number }>(
      await t.request("GET", "/api/ar-metrics?asOf=2026-03-02&periodDays=60&countback=30_days", {
        as: "viewer",
      }),
      200,
    );
    expect(metrics).toMatchObject({ asOf: "2026-03-02", periodDays: 60 });
    const summary = await t.json<{ customers: unknown }>(
      await t.request("GET", "/api/summary", { as: "viewer" }),
      200,
    );
    expect(summary.customers).toBeDefined();
  });
});

describe("audit", () => {
  it("pages entries backwards and verifies the chain", async () => {
    await pendingEscalation();
    const page1 = await t.json<{ entries: { seq: number }[]; nextBeforeSeq: number | null }>(
      await t.request("GET", "/api/audit?limit=2", { as: "viewer" }),
      200,
    );
    expect(page1.entries).toHaveLength(2);
    expect(page1.entries[0]!.seq).toBeGreaterThan(page1.entries[1]!.seq);
    const page2 = await t.json<{ entries: { seq: number }[] }>(
      await t.request("GET", `/api/audit?limit=2&beforeSeq=${page1.nextBeforeSeq}`, { as: "viewer" }),
      200,
    );
    expect(page2.entries[0]!.seq).toBeLessThan(page1.entries[1]!.seq);
    const verified = await t.json<{ ok: boolean; entries: number }>(
      await t.request("GET", "/api/audit/verify", { as: "viewer" }),
      200,
    );
    expect(verified.ok).toBe(true);
  });
});

describe("policy", () => {
  it("reads the current policy; an admin's upload is validated, stored, audited and judges the next calls", async () => {
    const current = await t.json<{ version: string; source: { kind: string } }>(
      await t.request("GET", "/api/policy", { as: "viewer" }),
      200,
    );
    expect(current).toMatchObject({ version: DEFAULT_POLICY.version, source: { kind: "default" } });

    // The house's own version: the same numbers under a version of its own.
    const stricter = structuredClone(DEFAULT_POLICY);
    stricter.version = "2026.2-house";
    const uploaded = await t.json<{ version: { version: string }; active: boolean; warnings: string[] }>(
      await t.request("PUT", "/api/policy", {
        as: "admin",
        body: stringify(stricter),
        contentType: "application/yaml",
      }),
      201,
    );
    expect(uploaded).toMatchObject({ version: { version: "2026.2-house" }, active: true, warnings: [] });
    expect(t.arc.runner.policy.version).toBe("2026.2-house");
    const after = await t.json<{ version: string; source: { kind: string } }>(
      await t.request("GET", "/api/policy", { as: "viewer" }),
      200,
    );
    expect(after).toMatchObject({ version: "2026.2-house", source: { kind: "uploaded" } });
    const { actionId } = await pendingEscalation("Judged By House Policy");
    const [action] = await t.database.current.db.select().from(actions).where(eq(actions.id, actionId));
    expect(action!.policyVersion).toBe("2026.2-house");

    const versions = await t.json<{ versions: { version: string }[] }>(
      await t.request("GET", "/api/policy/versions", { as: "viewer" }),
      200,
    );
    expect(versions.versions.map((v) => v.version)).toContain("2026.2-house");
    const [entry] = await t.database.current.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.event, "policy.uploaded"));
    expect(entry).toMatchObject({
      actor: `api:test-admin@${keyPrefix("admin")}`,
      data: { version: "2026.2-house" },
    });

    // A server whose policy ARC_POLICY_FILE pins stores the upload but keeps judging by the file.
    const pinnedArc = { ...t.arc, policySource: { kind: "file" as const, path: "/etc/arc/policy.yaml" } };
    const pinned = createApi(pinnedArc, { logger: pino({ level: "silent" }) });
    const waiting = await pinned.app.request("/api/policy", {
      method: "PUT",
      headers: { authorization: `Bearer ${t.keys.admin}`, "content-type": "application/json" },
      body: JSON.stringify({ ...stricter, version: "2026.3-waits" }),
    });
    expect(await t.json(waiting, 201)).toMatchObject({
      version: { version: "2026.3-waits" },
      active: false,
      pinnedBy: { kind: "file", path: "/etc/arc/policy.yaml" },
    });
    expect(pinnedArc.runner.policy.version).toBe("2026.2-house");

    const again = await t.request("PUT", "/api/policy", { as: "admin", body: stricter });
    expect(again.status).toBe(409);
    expect((await errorOf(again)).message).toContain('"2026.2-house" was already uploaded');
  });
});

describe("API keys", () => {
  it("an admin creates a key (secret shown once), lists keys without secrets, revokes it; each is audited", async () => {
    const created = await t.json<{ key: { id: string; prefix: string; role: string }; secret: string }>(
      await t.request("POST", "/api/keys", { as: "admin", body: { name: "integration", role: "viewer" } }),
      201,
    );
    expect(created.key.role).toBe("viewer");
    expect(created.secret).toMatch(new RegExp(`^arc_${created.key.prefix}_`));
    const withIt = await t.api.app.request("/api/summary", {
      headers: { authorization: `Bearer ${created.secret}` },
    });
    expect(withIt.status).toBe(200);

    const listed = await t.json<{ keys: Record<string, unknown>[] }>(
      await t.request("GET", "/api/keys"),
      200,
    );
    const row = listed.keys.find((k) => k.id === created.key.id)!;
    expect(row).toMatchObject({ name: "integration", role: "viewer", revokedAt: null });
    expect(row.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    expect(Object.keys(row)).not.toContain("keyHash");

    const revoked = await t.json<{ key: { revokedAt: string | null } }>(
      await t.request("POST", `/api/keys/${created.key.id}/revoke`),
      200,
    );
    expect(revoked.key.revokedAt).not.toBeNull();
    const events = await t.database.current.db
      .select({ event: auditLog.event })
      .from(auditLog)
      .where(eq(auditLog.entityId, created.key.id));
    expect(events.map((e) => e.event)).toEqual(["api_key.created", "api_key.revoked"]);
  });
});

describe("health, metrics, logs, request ids", () => {
  it("healthz checks the database without a key", async () => {
    expect(await t.json(await t.request("GET", "/healthz", { as: "none" }), 200)).toEqual({
      status: "ok",
      database: "ok",
    });
  });

  it("metrics: request latency by route and status, queue depth, runs", async () => {
    await t.request("GET", "/api/summary", { as: "viewer" });
    await pendingEscalation();
    // A message waiting in the outbox (a given), so the outbox gauge has something to count.
    const outboxCustomer = await makeCustomer(t.database.current.db, { name: "Outbox Gauge Co" });
    await t.database.current.db.insert(communications).values({
      customerId: outboxCustomer.id,
      direction: "outbound",
      channel: "email",
      status: "queued",
      body: "waiting",
    });
    const response = await t.request("GET", "/metrics", { as: "viewer" });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(
      /arc_http_request_duration_seconds_count\{method="GET",route="\/api\/summary",status="200"\} \d+/,
    );
    const pending = Number(/^arc_approvals_pending (\d+)$/m.exec(text)?.[1]);
    const [row] = await t.database.current.db
      .select({ n: sql<number>`count(*)::int` })
      .from(actions)
      .where(sql`status = 'pending' and (expires_at is null or expires_at > now())`);
    expect(pending).toBe(Number(row!.n));
    expect(text).toMatch(/^arc_runs_running \d+$/m);
    const queuedEmail = Number(
      /^arc_outbox_messages\{channel="email",status="queued"\} (\d+)$/m.exec(text)?.[1],
    );
    const [queued] = await t.database.current.db
      .select({ n: sql<number>`count(*)::int` })
      .from(communications)
      .where(sql`direction = 'outbound' and channel = 'email' and status = 'queued'`);
    expect(queuedEmail).toBe(Number(queued!.n));
    expect(queuedEmail).toBeGreaterThan(0);
    expect(text).toMatch(/^arc_outbox_messages\{channel="sms",status="unconfirmed"\} \d+$/m);
  });

  it("every response carries x-request-id (ours, or the caller's); logs are JSON lines with id, method, route, status, duration", async () => {
    const given = await t.request("GET", "/api/summary", {
      as: "viewer",
      headers: { "x-request-id": "trace-abc.123" },
    });
    expect(given.headers.get("x-request-id")).toBe("trace-abc.123");
    const generated = await t.request("GET", "/api/nope", { as: "viewer" });
    expect(generated.status).toBe(404);
    const id = generated.headers.get("x-request-id")!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await errorOf(generated)).requestId).toBe(id);
    const line = t.logLines.find((l) => l.requestId === "trace-abc.123");
    expect(line).toMatchObject({
      msg: "request",
      method: "GET",
      route: "/api/summary",
      status: 200,
      caller: `api:test-viewer@${keyPrefix("viewer")}`,
    });
    expect(line!.durationMs).toBeTypeOf("number");
  });
});

/** The prefix of the harness's key for `role`. */
function keyPrefix(role: "admin" | "collector" | "viewer"): string {
  return t.keys[role].split("_")[1]!;
}
