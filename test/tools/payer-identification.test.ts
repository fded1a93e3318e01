// Payer identification across the whole ledger, read a page at a time: a ledger of many pages
// must give the same answers as one page, with every page's customers as candidates.

import { isNull, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { payments } from "../../db/schema.ts";
import { DEFAULT_POLICY } from "../../policies/index.ts";
import { loadUnidentifiedPayments, toMatchPayment } from "../../tools/cash-application.ts";
import { identifyPayersInLedger } from "../../tools/payer-identification.ts";
import { ALL_TOOLS } from "../../tools/registry.ts";
import { ToolRunner } from "../../tools/runner.ts";
import { useTestDatabase } from "../support/db.ts";
import { makeCustomer, makeInvoice, makePayment } from "../support/fixtures.ts";

const database = useTestDatabase();

const NAMES = [
  "Acme Manufacturing Inc",
  "Brightwater Foods Ltd",
  "Cobalt Logistics GmbH",
  "Delta Dental Supplies",
  "Evergreen Hotels plc",
  "Foxglove Design Studio",
  "Granite Peak Outfitters",
];

/** Customer name → id, and the payments to identify (all unidentified). */
let ids: Map<string, string>;

beforeAll(async () => {
  const db = database.current.db;
  ids = new Map();
  for (const [i, name] of NAMES.entries()) {
    const customer = await makeCustomer(db, {
      name,
      externalRef: `C-90${i}`,
      bankAccounts: [`GB0${i}TEST0000000000${i}`],
    });
    ids.set(name, customer.id);
    await makeInvoice(db, customer.id, { externalRef: `INV-2026-00${i}10`, amountMinor: 10_000 * (i + 1) });
  }
  // Learned: a payer name seen on an applied payment of Evergreen.
  await makePayment(db, {
    customerId: ids.get("Evergreen Hotels plc")!,
    payerName: "EVG HOSPITALITY GROUP",
    appliedMinor: 125_000,
  });
  const unidentified = (values: Parameters<typeof makePayment>[1]) =>
    makePayment(db, { customerId: null, ...values });
  // One payment citing each customer's invoice: every page's customers must be candidates.
  for (const i of NAMES.keys())
    await unidentified({
      externalRef: `P-REF-${i}`,
      remittanceText: `payment for INV-2026-00${i}10`,
      amountMinor: 5,
    });
  await unidentified({ externalRef: "P-ACCOUNT", payerAccount: "GB02TEST00000000002", amountMinor: 1 });
  await unidentified({ externalRef: "P-NAME", payerName: "ACME MANUFACTURING INC.", amountMinor: 2 });
  await unidentified({ externalRef: "P-LEARNED", payerName: "EVG HOSPITALITY GROUP", amountMinor: 3 });
  await unidentified({ externalRef: "P-NOTHING", payerName: "ZZZ UNKNOWN", amountMinor: 4 });
});

const toIdentify = async () =>
  (await loadUnidentifiedPayments(database.current.db))
    .map(toMatchPayment)
    .sort((a, b) => a.externalRef.localeCompare(b.externalRef));

describe("payer identification across the ledger", () => {
  it("gives the same answers page by page as in one page", async () => {
    const db = database.current.db;
    const paymentsToIdentify = await toIdentify();
    const here = await identifyPayersInLedger(db, paymentsToIdentify, DEFAULT_POLICY);
    // Pages of two customers: four pages, each with strings shared with the others.
    const apart = await identifyPayersInLedger(db, paymentsToIdentify, DEFAULT_POLICY, { pageSize: 2 });
    expect(apart).toEqual(here);
    const payer = (ref: string) => {
      const payment = paymentsToIdentify.find((p) => p.externalRef === ref)!;
      const found = apart.get(payment.id)!;
      return { customerId: found.customerId, method: found.method };
    };
    for (const [i, name] of NAMES.entries())
      expect(payer(`P-REF-${i}`)).toEqual({ customerId: ids.get(name), method: "reference" });
    expect(payer("P-ACCOUNT")).toEqual({ customerId: ids.get("Cobalt Logistics GmbH"), method: "account" });
    expect(payer("P-NAME")).toEqual({ customerId: ids.get("Acme Manufacturing Inc"), method: "name" });
    expect(payer("P-LEARNED")).toMatchObject({ customerId: ids.get("Evergreen Hotels plc") });
    expect(payer("P-NOTHING")).toEqual({ customerId: null, method: "none" });
  });

  it("fails as a whole, naming why, in pages or in one", async () => {
    const db = database.current.db;
    const broken = { ...DEFAULT_POLICY, cashApplication: undefined } as unknown as typeof DEFAULT_POLICY;
    await expect(identifyPayersInLedger(db, await toIdentify(), broken, { pageSize: 2 })).rejects.toThrow(
      /autoApplyThreshold/,
    );
    await expect(identifyPayersInLedger(db, await toIdentify(), broken)).rejects.toThrow(
      /autoApplyThreshold/,
    );
  });

  it("is recorded on each payment by identify_payments, with its method and time", async () => {
    const db = database.current.db;
    const runner = new ToolRunner({ db, policy: DEFAULT_POLICY, tools: ALL_TOOLS });
    const result = await runner.call<{ payments: number; byMethod: Record<string, number> }>(
      "identify_payments",
      {},
      { caller: { kind: "cli", id: "ops", role: "admin" }, idempotencyKey: "test:identify" },
    );
    expect(result).toMatchObject({
      status: "executed",
      output: { payments: NAMES.length + 4, byMethod: { reference: NAMES.length, account: 1, none: 1 } },
    });
    const rows = await db
      .select({
        ref: payments.externalRef,
        suggested: payments.suggestedCustomerId,
        method: sql<string>`${payments.identification}->>'method'`,
        identifiedAt: payments.identifiedAt,
      })
      .from(payments)
      .where(isNull(payments.customerId));
    const byRef = new Map(rows.map((r) => [r.ref, r]));
    expect(byRef.get("P-REF-3")).toMatchObject({ suggested: ids.get(NAMES[3]!), method: "reference" });
    expect(byRef.get("P-ACCOUNT")).toMatchObject({
      suggested: ids.get("Cobalt Logistics GmbH"),
      method: "account",
    });
    expect(byRef.get("P-NOTHING")).toMatchObject({ suggested: null, method: "none" });
    expect(rows.every((r) => r.identifiedAt instanceof Date)).toBe(true);
  });

  it("asks nothing of the ledger for no payments", async () => {
    expect(await identifyPayersInLedger(database.current.db, [], DEFAULT_POLICY, { pageSize: 1 })).toEqual(
      new Map(),
    );
  });
});
