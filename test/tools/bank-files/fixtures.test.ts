// The hand-written fixtures (test/fixtures/bank-files): exact values per format.
import { describe, expect, it } from "vitest";
import { csvMapping, fixture, parseBankFile, transactions } from "./helpers.ts";

describe("camt fixtures", () => {
  it("camt053-multi-currency.xml: two statements in EUR and JPY with balances", () => {
    const parsed = parseBankFile(fixture("camt053-multi-currency.xml"));
    expect(parsed.format).toBe("camt.053");
    expect(parsed.warnings).toEqual([]);
    expect(parsed.statements.map(({ transactions: _, ...s }) => s)).toEqual([
      {
        account: "DE89370400440532013000",
        currency: "EUR",
        statementId: "STMT-2025-03-14-EUR",
        fromDate: "2025-03-14",
        toDate: "2025-03-14",
        openingBalanceMinor: 1250000,
        closingBalanceMinor: 1542550,
      },
      {
        account: "00051234567",
        currency: "JPY",
        statementId: "STMT-2025-03-14-JPY",
        fromDate: "2025-03-13",
        toDate: "2025-03-14",
        openingBalanceMinor: 1000000,
        closingBalanceMinor: 1324500,
      },
    ]);
  });

  it("camt053-multi-currency.xml: remittance in every place camt puts it", () => {
    const [eur] = parseBankFile(fixture("camt053-multi-currency.xml")).statements;
    const [multiLine, structured, outgoing, returned, converted] = eur!.transactions;
    expect(multiLine).toMatchObject({
      date: "2025-03-14",
      amountMinor: 119000,
      direction: "credit",
      counterparty: "ACME Manufacturing GmbH",
      counterpartyAccount: "DE44500105175407324931",
      reference: "E2E-ACME-0001",
      bankReference: "2025031400001",
      remittance: "Payment for INV-2025-000123 / and INV-2025-000124 less credit note CN-2025-0007",
      structuredReferences: [],
      typeCode: "PMNT/RCDT/ESCT",
      isReturn: false,
      location: "Document/BkToCstmrStmt/Stmt[0]/Ntry[0]",
    });
    expect(structured).toMatchObject({
      amountMinor: 238000,
      counterparty: "Bluebird Retail SARL",
      reference: null, // NOTPROVIDED
      remittance: "INV-2025-000130 / RF18539007547034 / Remittance advice 77",
      structuredReferences: ["INV-2025-000130", "RF18539007547034"],
    });
    expect(outgoing).toMatchObject({
      amountMinor: -45000,
      direction: "debit",
      counterparty: "Office Supplies Ltd",
      counterpartyAccount: "GB29NWBK60161331926819",
      remittance: "Order PO-5531",
    });
    expect(returned).toMatchObject({
      amountMinor: -119000,
      direction: "debit",
      isReturn: true,
      counterparty: "Globex Corporation", // not the own account holder named as creditor
      counterpartyAccount: "NL91ABNA0417164300",
      remittance: "INV-2025-000140",
      typeCode: "PMNT/RCDT/RRTN",
      bookingText: "Return: account closed",
    });
    expect(converted).toMatchObject({
      date: "2025-03-14",
      valueDate: "2025-03-17",
      amountMinor: 99550,
      currency: "EUR",
      chargesMinor: 1500,
      original: { amountMinor: 110000, currency: "USD" },
      counterparty: "Initech Inc.",
      counterpartyAccount: "0210000214455667788",
      structuredReferences: ["INV-2025-000150"],
      bookingText: "SWIFT MT103 INCOMING",
    });
  });

  it("camt053-multi-currency.xml: JPY amounts have no decimals", () => {
    const jpy = parseBankFile(fixture("camt053-multi-currency.xml")).statements[1]!;
    expect(
      jpy.transactions.map((t) => [t.amountMinor, t.currency, t.counterparty, t.remittance, t.typeCode]),
    ).toEqual([
      [330000, "JPY", "Sakura Trading KK", "INV-2025-000160", "PMNT/RCDT/DMCT"],
      [-5500, "JPY", null, null, "FEE-MONTHLY"],
    ]);
    expect(jpy.transactions[1]!.bookingText).toBe("Monthly account fee");
  });

  it("camt054-batch.xml: one transaction per TxDtls of a batch entry, plus a returned direct debit", () => {
    const parsed = parseBankFile(fixture("camt054-batch.xml"));
    expect(parsed.format).toBe("camt.054");
    const txs = transactions(parsed);
    expect(
      txs.map((t) => [t.amountMinor, t.counterparty, t.reference, t.remittance, t.structuredReferences]),
    ).toEqual([
      [120000, "Northwind Traders AG", "NW-2025-0311", "INV-2025-000201", ["INV-2025-000201"]],
      [150000, "Contoso Ltd", "CONTOSO-77812", "INV-2025-000202 INV-2025-000203", []],
      [75000, "Fabrikam Logistics BV", null, "RF71INV2025000204 / INV-2025-000204", ["RF71INV2025000204"]],
      [-32000, "Umbrella Corp", "DD-UMBRELLA-2025-03", "Direct debit INV-2025-000210", []],
    ]);
    expect(txs[0]).toMatchObject({
      bankReference: "BATCH-20250317-01",
      date: "2025-03-17",
      location: "Document/BkToCstmrDbtCdtNtfctn/Ntfctn[0]/Ntry[0]/NtryDtls/TxDtls[0]",
    });
    expect(txs[2]!.location).toBe("Document/BkToCstmrDbtCdtNtfctn/Ntfctn[0]/Ntry[0]/NtryDtls/TxDtls[2]");
    expect(txs[3]).toMatchObject({
      isReturn: true,
      typeCode: "PMNT/IDDT/UPDD",
      counterpartyAccount: "DE02120300000000202051",
      location: "Document/BkToCstmrDbtCdtNtfctn/Ntfctn[0]/Ntry[1]",
    });
    expect(txs.slice(0, 3).every((t) => !t.isReturn)).toBe(true);
  });

  it("camt052-intraday.xml: booking DtTm, a pending entry with only a value date", () => {
    const parsed = parseBankFile(fixture("camt052-intraday.xml"));
    expect(parsed.format).toBe("camt.052");
    expect(parsed.statements[0]!.account).toBe("DE89370400440532013000");
    const txs = transactions(parsed);
    expect(txs.map((t) => [t.date, t.amountMinor, t.booked])).toEqual([
      ["2025-03-14", 119000, true],
      ["2025-03-14", 238000, true],
      ["2025-03-15", 50000, false],
    ]);
    expect(txs[2]).toMatchObject({
      valueDate: "2025-03-15",
      counterparty: "Pied Piper Inc",
      remittance: "INV-2025-000180",
    });
  });
});

describe("MT940 fixtures", () => {
  it("mt940-eur.sta: two EUR statements with German structured, free-text and reversal lines", () => {
    const parsed = parseBankFile(fixture("mt940-eur.sta"));
    expect(parsed.format).toBe("mt940");
    expect(parsed.statements.map(({ transactions: t, ...s }) => ({ ...s, count: t.length }))).toEqual([
      {
        account: "37040044/0532013000",
        currency: "EUR",
        statementId: "00051/001",
        fromDate: "2025-03-12",
        toDate: "2025-03-13",
        openingBalanceMinor: 1250000,
        closingBalanceMinor: 1324000,
        count: 2,
      },
      {
        account: "37040044/0532013000",
        currency: "EUR",
        statementId: "00052/001",
        fromDate: "2025-03-13",
        toDate: "2025-03-14",
        openingBalanceMinor: 1324000,
        closingBalanceMinor: 1493000,
        count: 4,
      },
    ]);
    const [acme, supplier, hooli1, hooli2, reversal, bluebird] = transactions(parsed);
    expect(acme).toMatchObject({
      date: "2025-03-13",
      valueDate: "2025-03-13",
      amountMinor: 119000,
      direction: "credit",
      counterparty: "ACME Manufacturing GmbH",
      counterpartyAccount: "DE44500105175407324931",
      reference: "E2E-ACME-0001",
      bankReference: "2025031300017",
      remittance: "INV-2025-000123 INV-2025-000124 Kd 4711",
      structuredReferences: ["E2E-ACME-0001"],
      bookingText: "SEPA-GUTSCHRIFT",
      typeCode: "NTRF",
      location: "line 5 (:61:)",
    });
    expect(supplier).toMatchObject({
      amountMinor: -45000,
      direction: "debit",
      counterparty: "Office Supplies Ltd",
      reference: "PO-5531",
      remittance: "Order PO-5531 office supplies",
    });
    expect(hooli1).toMatchObject({
      amountMinor: 25000,
      counterparty: "Hooli Services Ltd",
      bankReference: null,
    });
    expect({ ...hooli2, fingerprint: "", location: "" }).toEqual({
      ...hooli1,
      fingerprint: "",
      location: "",
    });
    expect(reversal).toMatchObject({
      amountMinor: -119000,
      direction: "debit",
      isReturn: true,
      remittance:
        "RUECKBUCHUNG GUTSCHRIFT VOM 13.03.2025 INV-2025-000123 INV-2025-000124 ACME Manufacturing GmbH",
    });
    expect(bluebird).toMatchObject({
      amountMinor: 238000,
      typeCode: "NMSC",
      bookingText: "BLUEBIRD RETAIL SARL PARIS",
      remittance: "Bluebird Retail SARL Zahlung Rechnung INV-2025-000130 Kundennr. 4711",
      location: "line 29 (:61:)",
    });
  });

  it("mt940-usd.sta: SWIFT envelope, ING slash-keyed :86:, entry date in the next year, a returned item", () => {
    const parsed = parseBankFile(fixture("mt940-usd.sta"));
    expect(parsed.statements).toHaveLength(1);
    expect(parsed.statements[0]).toMatchObject({
      account: "NL20INGB0001234567USD",
      currency: "USD",
      openingBalanceMinor: 2500000,
      closingBalanceMinor: 2722475,
      toDate: "2026-01-02",
    });
    const [initech, hosting, refund] = transactions(parsed);
    expect(initech).toMatchObject({
      date: "2026-01-02",
      valueDate: "2025-12-31",
      amountMinor: 150000,
      currency: "USD",
      counterparty: "Initech Inc.",
      counterpartyAccount: "NL91ABNA0417164300",
      reference: "INITECH-PAY-8812",
      bankReference: "INGREF0001",
      remittance: "INV-2025-000150 INV-2025-000151",
      bookingText: "ORDERING INITECH INC NEW YORK",
    });
    expect(hosting).toMatchObject({
      amountMinor: -7525,
      counterparty: "Cloud Hosting BV",
      counterpartyAccount: "NL61RABO0123456789",
      remittance: "RF18539007547034",
      structuredReferences: ["RF18539007547034"],
      reference: null,
    });
    expect(refund).toMatchObject({
      amountMinor: 80000,
      isReturn: true,
      typeCode: "NRTI",
      counterparty: "Stark Industries",
      remittance: "Refund INV-2025-000190",
    });
  });
});

describe("BAI2 fixtures", () => {
  it("bai2-lockbox.bai: USD and JPY groups, totals verified", () => {
    const parsed = parseBankFile(fixture("bai2-lockbox.bai"));
    expect(parsed.format).toBe("bai2");
    expect(parsed.warnings).toEqual([]);
    expect(
      parsed.statements.map((s) => [s.account, s.currency, s.openingBalanceMinor, s.closingBalanceMinor]),
    ).toEqual([
      ["4455667788", "USD", 1250000, 1571050],
      ["000123456789", "JPY", 1000000, 1324500],
    ]);
    const [lockbox, wire, ach, returned, check] = parsed.statements[0]!.transactions;
    expect(lockbox).toMatchObject({
      date: "2025-03-13",
      amountMinor: 250000,
      typeCode: "115",
      bankReference: "LBX0001",
      reference: "LBX-7731",
      remittance:
        "LOCKBOX DEPOSIT ACME MANUFACTURING REMITTANCE INV-2025-000123 1250.00 INV-2025-000124 1250.00",
      location: "line 4 (record 16)",
    });
    expect(wire).toMatchObject({
      amountMinor: 119000,
      valueDate: "2025-03-13",
      counterparty: "Globex Corporation",
      counterpartyAccount: "NL91ABNA0417164300",
      reference: "E2E-GLOBEX-0042",
      remittance: "INCOMING WIRE GLOBEX CORPORATION / INV-2025-000140",
      structuredReferences: ["E2E-GLOBEX-0042"],
    });
    expect(ach).toMatchObject({
      amountMinor: 33050,
      remittance: "ACH CREDIT HOOLI SERVICES INV-2025-000170",
    });
    expect(returned).toMatchObject({
      amountMinor: -60000,
      direction: "debit",
      isReturn: true,
      typeCode: "555",
    });
    expect(check).toMatchObject({ amountMinor: -21000, isReturn: false, typeCode: "475" });
    const jpy = parsed.statements[1]!.transactions;
    expect(jpy.map((t) => [t.amountMinor, t.currency])).toEqual([
      [330000, "JPY"],
      [-5500, "JPY"],
    ]);
  });
});

describe("CSV fixtures", () => {
  it("bank-export.csv: debit/credit columns, decimal comma, two remittance columns, two currencies", () => {
    const parsed = parseBankFile(fixture("bank-export.csv"), { csv: csvMapping() });
    expect(parsed.format).toBe("csv");
    expect(
      parsed.statements.map((s) => [s.account, s.currency, s.fromDate, s.toDate, s.transactions.length]),
    ).toEqual([
      ["DE89370400440532013000", "EUR", "2025-03-14", "2025-03-14", 3],
      ["DE89370400440532013000", "USD", "2025-03-17", "2025-03-17", 1],
    ]);
    const [acme, umbrella, supplier, initech] = transactions(parsed);
    expect(acme).toMatchObject({
      date: "2025-03-14",
      valueDate: "2025-03-14",
      amountMinor: 119000,
      direction: "credit",
      counterparty: "ACME Manufacturing GmbH",
      counterpartyAccount: "DE44500105175407324931",
      reference: "E2E-ACME-0001",
      remittance: "Payment INV-2025-000123 / INV-2025-000124",
      location: "line 2",
    });
    expect(umbrella).toMatchObject({
      amountMinor: 250000,
      reference: null,
      remittance: "Rechnung INV-2025-000210; Teilzahlung",
    });
    expect(supplier).toMatchObject({ amountMinor: -45000, direction: "debit", valueDate: "2025-03-15" });
    expect(initech).toMatchObject({
      amountMinor: 110000,
      currency: "USD",
      remittance: "Invoice INV-2025-000150 second line of the memo",
      location: "line 6", // a blank line 5 before it
    });
  });
});
