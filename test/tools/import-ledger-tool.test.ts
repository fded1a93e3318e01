// The ledger import as a policy-checked, audited tool (the parsing itself is tested in ledger-import.test.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { actions, auditLog, invoices } from "../../db/schema.ts";
import { DEFAULT_POLICY } from "../../policies/index.ts";
import type { Caller } from "../../policies/types.ts";
import { ALL_TOOLS } from "../../tools/registry.ts";
import { ToolRunner } from "../../tools/runner.ts";
import { fileDigest } from "../../tools/write/import-ledger.ts";
import { useTestDatabase } from "../support/db.ts";

const database = useTestDatabase();
const FIXTURES = join(import.meta.dirname, "../fixtures/ledger");
const ADMIN: Caller = { kind: "api", id: "ops", role: "admin" };
const runner = () => new ToolRunner({ db: database.current.db, policy: DEFAULT_POLICY, tools: ALL_TOOLS });
const ref = (name: string) => {
  const path = join(FIXTURES, name);
  return { path, sha256: fileDigest(readFileSync(path)) };
};
// Xero calls its customer list "Contacts".
// Xero exports carry no currency column in a single-currency organisation: the mapping supplies it.
const xero = () => ({
  mapping: { extends: "xero", options: { currency: "GBP" } },
  files: {
    customers: ref("xero/contacts.csv"),
    invoices: ref("xero/invoices.csv"),
    payments: ref("xero/payments.csv"),
  },
});
const count = async (table: string) =>
  Number(
    (await database.current.db.execute<{ n: number }>(sql.raw(`select count(*)::int as n from ${table}`)))[0]!
      .n,
  );

describe("import_ledger", () => {
  it("imports a set of exports as one audited action, and the same files again are a no-op", async () => {
    const first = await runner().call("import_ledger", xero(), { caller: ADMIN });
    expect(first).toMatchObject({ status: "executed", replayed: false });
    const imported = await count("invoices");
    expect(imported).toBeGreaterThan(0);
    if (first.status !== "executed") return;
    const audit = await database.current.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.actionId, first.actionId));
    expect(audit.map((a) => a.event)).toEqual(["action.executed"]);
    const again = await runner().call("import_ledger", xero(), { caller: ADMIN });
    expect(again).toMatchObject({ status: "executed", replayed: true, actionId: first.actionId });
    expect(await count("invoices")).toBe(imported);
  });

  it("lets only admins and operators import", async () => {
    for (const role of ["collector", "viewer"] as const) {
      const result = await runner().call("import_ledger", xero(), {
        caller: { kind: "api", id: role, role },
      });
      expect(result.status).toBe("blocked");
      if (result.status === "blocked") expect(result.reasons.map((r) => r.ruleId)).toContain("caller.role");
    }
  });

  it("refuses a file with a bad row, naming file and line, and writes nothing", async () => {
    const before = {
      invoices: await count("invoices"),
      actions: await count("actions"),
      audit: await count("audit_log"),
    };
    const result = await runner().call(
      "import_ledger",
      { mapping: "arc", files: { invoices: ref("bad-invoices.csv") } },
      { caller: ADMIN },
    );
    expect(result.status).toBe("invalid");
    if (result.status !== "invalid") return;
    expect(result.issues.length).toBeGreaterThan(1);
    expect(result.issues[0]!.path).toBe("files.invoices");
    expect(result.issues.map((i) => i.message).join("\n")).toMatch(
      /line 3, column "amount": "12\.345" has more decimals than USD allows \(2\)/,
    );
    expect({
      invoices: await count("invoices"),
      actions: await count("actions"),
      audit: await count("audit_log"),
    }).toEqual(before);
  });

  it("refuses a file that changed after the import was requested, and a bad mapping", async () => {
    const stale = {
      ...xero(),
      files: { invoices: { path: join(FIXTURES, "xero/invoices.csv"), sha256: "0".repeat(64) } },
    };
    expect(await runner().call("import_ledger", stale, { caller: ADMIN })).toMatchObject({
      status: "invalid",
      issues: [{ path: "files.invoices.sha256" }],
    });
    const badPreset = await runner().call("import_ledger", { ...xero(), mapping: "sage" }, { caller: ADMIN });
    expect(badPreset).toMatchObject({
      status: "invalid",
      issues: [{ path: "mapping.(preset)", message: expect.stringContaining('unknown preset "sage"') }],
    });
    expect(
      await runner().call("import_ledger", { mapping: "xero", files: {} }, { caller: ADMIN }),
    ).toMatchObject({ status: "invalid", issues: [{ path: "files" }] });
  });

  it("accepts file content inline, as an API upload would send it", async () => {
    const content = [
      "external_ref,name,currency,timezone",
      "C-INLINE-1,Inline Imports Ltd,EUR,Europe/Berlin",
    ].join("\n");
    const invoicesCsv = [
      "external_ref,customer_ref,currency,amount,issue_date,due_date",
      "INV-INLINE-1,C-INLINE-1,EUR,1234.50,2026-01-10,2026-02-09",
    ].join("\n");
    const result = await runner().call(
      "import_ledger",
      { mapping: "arc", files: { customers: { content }, invoices: { content: invoicesCsv } } },
      { caller: ADMIN },
    );
    expect(result.status).toBe("executed");
    const [row] = await database.current.db
      .select()
      .from(invoices)
      .where(eq(invoices.externalRef, "INV-INLINE-1"));
    expect(row).toMatchObject({
      currency: "EUR",
      amountMinor: 123_450,
      balanceMinor: 123_450,
      dueDate: "2026-02-09",
    });
    const [action] = await database.current.db
      .select()
      .from(actions)
      .where(eq(actions.tool, "import_ledger"))
      .orderBy(sql`created_at desc`)
      .limit(1);
    expect(action!.status).toBe("executed");
  });
});
