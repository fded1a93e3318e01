// Who paid: assignment, bank account (own or learned, never a shared one), invoice numbers and the
// customer's reference, then the payer's name — refusing to choose on a tie.
import { describe, expect, it } from "vitest";
import {
  createDirectory,
  identifyPayer,
  type MatchCustomer,
  normalizeName,
  type PayerMapping,
} from "../../../tools/cash-matching/index.ts";
import { ACME, invoice, NORD, payment, STRANGER_ACCOUNT, SUMMIT } from "./builders.ts";

const invoices = [
  invoice({ externalRef: "INV-2025-004812", balanceMinor: 73_450 }),
  invoice({ externalRef: "INV-2025-005001", customerId: SUMMIT.id, balanceMinor: 12_000 }),
  invoice({ externalRef: "INV-2025-006001", customerId: NORD.id, currency: "EUR", balanceMinor: 9_900 }),
];
const dir = (customers: MatchCustomer[] = [ACME, SUMMIT, NORD], mappings: PayerMapping[] = []) =>
  createDirectory({ customers, openInvoices: invoices, mappings });
const stranger = { payerAccount: STRANGER_ACCOUNT };

describe("identifyPayer", () => {
  it("keeps a payment that is already assigned", () => {
    const id = identifyPayer(payment({ customerId: SUMMIT.id }), dir());
    expect(id).toMatchObject({ customerId: SUMMIT.id, method: "assigned", confidence: 1 });
  });

  it("identifies by the customer's IBAN, whatever its spacing and case", () => {
    const id = identifyPayer(payment({ payerAccount: "de89 3704 0044 0532 0130 00" }), dir());
    expect(id).toMatchObject({ customerId: ACME.id, method: "account" });
    expect(id.confidence).toBeGreaterThanOrEqual(0.98);
    expect(id.why).toContain("…3000");
    expect(id.why).not.toContain("DE89370400440532013000");
  });

  it("identifies by an account learned from an earlier reviewed payment", () => {
    const learned: PayerMapping[] = [
      { kind: "account", value: "FR76 3000 6000 0112 3456 7890 189", customerId: NORD.id },
    ];
    const id = identifyPayer(
      payment({ payerAccount: "FR7630006000011234567890189" }),
      dir(undefined, learned),
    );
    expect(id).toMatchObject({ customerId: NORD.id, method: "account" });
  });

  it("refuses an account shared by several customers (a payment processor) and says so", () => {
    const shared: PayerMapping[] = [
      { kind: "account", value: "GB33BUKB20201555555555", customerId: ACME.id },
      { kind: "account", value: "GB33BUKB20201555555555", customerId: SUMMIT.id },
    ];
    const id = identifyPayer(
      payment({ payerAccount: "GB33BUKB20201555555555", payerName: "PAYFLOW MERCHANT SERVICES" }),
      dir(undefined, shared),
    );
    expect(id.customerId).toBeNull();
    expect(id.method).toBe("none");
    expect(id.why).toMatch(/shared by 2 customers/);
    expect(id.candidates.map((c) => c.customerId).sort()).toEqual([ACME.id, SUMMIT.id]);
  });

  it("falls through a shared account to the invoice numbers cited", () => {
    const shared: PayerMapping[] = [
      { kind: "account", value: "GB33BUKB20201555555555", customerId: ACME.id },
      { kind: "account", value: "GB33BUKB20201555555555", customerId: SUMMIT.id },
    ];
    const id = identifyPayer(
      payment({
        payerAccount: "GB33BUKB20201555555555",
        amountMinor: 12_000,
        remittanceText: "PAYOUT inv 5001",
      }),
      dir(undefined, shared),
    );
    expect(id).toMatchObject({ customerId: SUMMIT.id, method: "reference" });
  });

  it("identifies by invoice numbers cited, more surely when the amount agrees", () => {
    const fits = identifyPayer(
      payment({ ...stranger, amountMinor: 12_000, remittanceText: "INV-2025-005001" }),
      dir(),
    );
    expect(fits).toMatchObject({ customerId: SUMMIT.id, method: "reference" });
    expect(fits.confidence).toBeGreaterThanOrEqual(0.95);
    const off = identifyPayer(
      payment({ ...stranger, amountMinor: 99_999, remittanceText: "INV-2025-005001" }),
      dir(),
    );
    expect(off.customerId).toBe(SUMMIT.id);
    expect(off.confidence).toBeLessThan(0.95);
  });

  it("identifies by the customer's own reference cited", () => {
    const id = identifyPayer(payment({ ...stranger, remittanceText: "Account C-000103 settlement" }), dir());
    expect(id).toMatchObject({ customerId: NORD.id, method: "reference" });
    expect(id.confidence).toBeLessThan(0.95);
  });

  it("normalizes names: case, accents, punctuation and legal suffixes", () => {
    expect(normalizeName("Acme Logistics, Inc.")).toBe("ACME LOGISTICS");
    expect(normalizeName("Müller Bau GmbH & Co. KG")).toBe("MULLER BAU");
    expect(normalizeName("García Logística S.L.")).toBe("GARCIA LOGISTICA");
    expect(normalizeName("Sakura Trading Co., Ltd.")).toBe("SAKURA TRADING");
  });

  it("identifies by a fuzzy name at or above the cutoff, as the weakest method", () => {
    const id = identifyPayer(payment({ ...stranger, payerName: "NORDLICHT LOGISTIK" }), dir());
    expect(id).toMatchObject({ customerId: NORD.id, method: "name" });
    expect(id.confidence).toBeLessThan(0.9);
    const truncated = identifyPayer(payment({ ...stranger, payerName: "SUMMIT FOOD" }), dir());
    expect(truncated.customerId).toBe(SUMMIT.id);
    const far = identifyPayer(payment({ ...stranger, payerName: "NORTHWIND TRADING" }), dir());
    expect(far).toMatchObject({ customerId: null, method: "none" });
  });

  it("refuses to choose when the top two names tie, offering both", () => {
    const twin: MatchCustomer = {
      id: "c-twin",
      externalRef: "C-000104",
      name: "Acme Logistic LLC",
      bankAccounts: [],
    };
    const id = identifyPayer(
      payment({ ...stranger, payerName: "ACME LOGISTICS" }),
      dir([ACME, SUMMIT, NORD, twin]),
    );
    expect(id.customerId).toBeNull();
    expect(id.why).toMatch(/ties between/);
    expect(id.candidates.map((c) => c.customerId)).toEqual(expect.arrayContaining([ACME.id, twin.id]));
  });

  it("prefers the exact name over a shorter one it contains, but not over a near-duplicate", () => {
    const holdings: MatchCustomer = {
      id: "c-h",
      externalRef: "C-9",
      name: "Stonegate Manufacturing Holdings LLC",
      bankAccounts: [],
    };
    const plain: MatchCustomer = {
      id: "c-p",
      externalRef: "C-8",
      name: "Stonegate Manufacturing Ltd.",
      bankAccounts: [],
    };
    const id = identifyPayer(
      payment({ ...stranger, payerName: "STONEGATE MANUFACTURING HOLDINGS" }),
      dir([holdings, plain]),
    );
    expect(id).toMatchObject({ customerId: holdings.id, method: "name" });
    const typo: MatchCustomer = {
      id: "c-t",
      externalRef: "C-7",
      name: "Stonegate Manufacturing Holding LLC",
      bankAccounts: [],
    };
    const tied = identifyPayer(
      payment({ ...stranger, payerName: "STONEGATE MANUFACTURING HOLDINGS" }),
      dir([holdings, typo]),
    );
    expect(tied.customerId).toBeNull();
  });

  it("uses a learned payer name", () => {
    const learned: PayerMapping[] = [{ kind: "name", value: "A.L.I. TREASURY", customerId: ACME.id }];
    const id = identifyPayer(payment({ ...stranger, payerName: "A.L.I. TREASURY" }), dir(undefined, learned));
    expect(id).toMatchObject({ customerId: ACME.id, method: "name" });
  });

  it("ignores a learned payer name several customers share (a processor's)", () => {
    const learned: PayerMapping[] = [
      { kind: "name", value: "PAYFLOW MERCHANT SERVICES", customerId: ACME.id },
      { kind: "name", value: "PAYFLOW MERCHANT SERVICES", customerId: SUMMIT.id },
    ];
    const id = identifyPayer(
      payment({ ...stranger, payerName: "PAYFLOW MERCHANT SERVICES" }),
      dir(undefined, learned),
    );
    expect(id.customerId).toBeNull();
    expect(id.why).toMatch(/seen on payments of 2 customers/);
  });

  it("says when nothing identifies the payer", () => {
    const id = identifyPayer(
      payment({ ...stranger, payerName: "K. OYELARAN", remittanceText: "TRANSFER" }),
      dir(),
    );
    expect(id).toMatchObject({ customerId: null, method: "none", confidence: 0 });
  });

  it("never quotes the remittance text in its explanation", () => {
    const text = "INV-2025-005001 please call Mr Smith on 555-0100 about the secret rebate";
    const id = identifyPayer(payment({ ...stranger, amountMinor: 12_000, remittanceText: text }), dir());
    expect(id.why).not.toMatch(/Smith|secret|rebate|555/);
  });
});
