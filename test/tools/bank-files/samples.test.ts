// The public real-world samples (/work/shared/data/bank-files): every one is detected and parses;
// MT940 agrees with the upstream Python library's expected parse; hand-picked values per format.
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { parseMoney } from "../../../db/money.ts";
import { type BankFileFormat, detectBankFileFormat } from "../../../tools/bank-files/index.ts";
import { expectBankFileError, parseBankFile, SAMPLES, sample, transactions } from "./helpers.ts";

const files = (dir: string, ext: RegExp) =>
  readdirSync(`${SAMPLES}/${dir}`)
    .filter((f) => ext.test(f))
    .sort();

/** Samples whose trailers or balances were hand-edited upstream and do not add up. */
const INCONSISTENT_TOTALS = new Set([
  "bai2/sample4-continuations-newline-delimited.txt",
  "bai2/sample5-issue113.txt",
  "mt940/betterplace_sepa_snippet.sta",
  "mt940/jejik_abnamro.sta",
  "mt940/jejik_ing.sta",
  "mt940/jejik_knab.sta",
  "mt940/jejik_postfinance.sta",
  "mt940/jejik_rabobank.sta",
  "mt940/jejik_triodos.sta",
]);

const EXPECTED_COUNTS: Record<string, number> = {
  "bai2/sample1.txt": 17,
  "bai2/sample2.txt": 4,
  "bai2/sample3.txt": 26,
  "bai2/sample4-continuations-newline-delimited.txt": 17,
  "bai2/sample5-issue113.txt": 20,
};

function camtFormatOfName(name: string): BankFileFormat {
  return `camt.${name.slice(4, 7)}` as BankFileFormat;
}

describe("public samples: detection and parsing", () => {
  const all = [
    ...files("bai2", /^sample.*\.txt$/).map((f) => ({ path: `bai2/${f}`, format: "bai2" as BankFileFormat })),
    ...files("camt", /\.xml$/).map((f) => ({ path: `camt/${f}`, format: camtFormatOfName(f) })),
    ...files("mt940", /\.sta$/).map((f) => ({ path: `mt940/${f}`, format: "mt940" as BankFileFormat })),
  ];

  it("finds all 23 sample files", () => {
    expect(all).toHaveLength(5 + 10 + 8);
  });

  for (const { path, format } of all) {
    it(`${path}: detected as ${format} and parsed`, () => {
      const text = sample(path);
      expect(detectBankFileFormat(text, path)).toBe(format);
      if (INCONSISTENT_TOTALS.has(path)) {
        // The default verifies totals and names the first one that does not add up ...
        expectBankFileError(() => parseBankFile(text), {
          format,
          location: /^line \d+ \(/,
          reason: /control total|number of records|closing balance is/,
        });
        // ... and with verification off the file parses, the mismatches reported as warnings.
        const parsed = parseBankFile(text, { verifyTotals: false });
        expect(parsed.format).toBe(format);
        expect(parsed.warnings.length).toBeGreaterThan(0);
      } else {
        const parsed = parseBankFile(text);
        expect(parsed.format).toBe(format);
        expect(parsed.warnings).toEqual([]);
        expect(transactions(parsed).length).toBeGreaterThan(0);
      }
      const parsed = parseBankFile(text, { verifyTotals: false });
      if (EXPECTED_COUNTS[path] !== undefined)
        expect(transactions(parsed)).toHaveLength(EXPECTED_COUNTS[path]!);
      for (const tx of transactions(parsed)) {
        expect(Number.isSafeInteger(tx.amountMinor)).toBe(true);
        expect(tx.amountMinor >= 0).toBe(tx.direction === "credit");
        expect(tx.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(tx.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// MT940 against wolph/mt940's expected parse (.expected.yml, a Python pickle-ish YAML dump).

interface ExpectedTransaction {
  amountMinor: number;
  currency: string;
  valueDate: string;
  entryDate: string | null;
}

function pythonDate(value: unknown): string | null {
  // !!python/object/apply:mt940.models.Date [ !!binary <year hi, year lo, month, day> ]
  if (!Array.isArray(value)) return null;
  const bytes = value[0] as Uint8Array;
  const year = bytes[0]! * 256 + bytes[1]!;
  return `${year}-${String(bytes[2]).padStart(2, "0")}-${String(bytes[3]).padStart(2, "0")}`;
}

function expectedTransactions(file: string): ExpectedTransaction[] {
  const doc = YAML.parse(sample(`mt940/${file}`), {
    version: "1.1",
    maxAliasCount: -1,
    logLevel: "silent",
  }) as { transactions: { data: Record<string, unknown> }[] };
  return doc.transactions.map(({ data }) => {
    const amount = data["amount"] as { amount: [string | number]; currency: string };
    const currency = String(data["currency"]);
    return {
      amountMinor: parseMoney(String(amount.amount[0]), currency),
      currency,
      valueDate: pythonDate(data["date"])!,
      entryDate: pythonDate(data["entry_date"]),
    };
  });
}

describe("MT940 samples agree with the upstream library's expected parse", () => {
  const expectedFiles = files("mt940", /\.expected\.yml$/);

  it("has an expected parse for every sample", () => {
    expect(expectedFiles.map((f) => f.replace(".expected.yml", ".sta"))).toEqual(files("mt940", /\.sta$/));
  });

  for (const file of expectedFiles) {
    const sta = file.replace(".expected.yml", ".sta");
    it(`${sta}: transaction count, amounts and dates`, () => {
      const expected = expectedTransactions(file);
      const actual = transactions(parseBankFile(sample(`mt940/${sta}`), { verifyTotals: false }));
      expect(actual).toHaveLength(expected.length);
      expect(
        actual.map((t) => ({
          amountMinor: t.amountMinor,
          currency: t.currency,
          valueDate: t.valueDate,
          // The library's entry_date is the :61: entry date; without one, the booking date is the value date.
          entryDate: t.date,
        })),
      ).toEqual(expected.map((e) => ({ ...e, entryDate: e.entryDate ?? e.valueDate })));
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Hand-picked values.

describe("BAI2 samples: hand-picked transactions", () => {
  it("sample1 (CAD, returns): a returned cheque, a credit, value dates from funds type V", () => {
    const parsed = parseBankFile(sample("bai2/sample1.txt"));
    expect(parsed.statements).toHaveLength(2);
    expect(parsed.statements[0]).toMatchObject({
      account: "10200123456",
      currency: "CAD",
      fromDate: "2006-03-17",
      statementId: "001",
    });
    const [returned, rtn, fee, transfer] = parsed.statements[0]!.transactions;
    expect(returned).toMatchObject({
      date: "2006-03-17",
      valueDate: "2006-03-16",
      amountMinor: -2500,
      currency: "CAD",
      direction: "debit",
      isReturn: true,
      typeCode: "409",
      remittance: "RETURNED CHEQUE",
      location: "line 5 (record 16)",
    });
    expect(rtn).toMatchObject({ amountMinor: -90000, isReturn: true, remittance: "RTN-UNKNOWN" });
    // The service charge for the returned cheque is not itself a return.
    expect(fee).toMatchObject({ amountMinor: -500, isReturn: false, remittance: "RTD CHQ SERVICE CHRG" });
    expect(transfer).toMatchObject({ amountMinor: 203500, direction: "credit", typeCode: "108" });
  });

  it("sample2: lockbox with S availability, a continuation that carries the text, several groups", () => {
    const parsed = parseBankFile(sample("bai2/sample2.txt"));
    expect(parsed.statements.map((s) => s.account)).toEqual([
      "0123456789",
      "9876543210",
      "4589761203",
      "0975312468",
      "7890654321",
    ]);
    const txs = transactions(parsed);
    expect(txs[0]).toMatchObject({
      amountMinor: 450000,
      typeCode: "115",
      currency: "USD",
      date: "2004-06-20",
    });
    expect(txs[1]).toMatchObject({ amountMinor: 500000, remittance: "LOCK BOX NO.68751" });
    expect(txs[2]).toMatchObject({
      amountMinor: 20000000,
      valueDate: "2004-06-22",
      bankReference: "SP4738",
      reference: "YRC065321",
      remittance: "PROCEEDS OF LETTER OF CREDIT FROM THE ARAMCO OIL CO",
    });
    expect(parsed.statements[1]!.openingBalanceMinor).toBe(-500000);
  });

  it("sample3: several records on one line and a text wrapped onto a line of its own", () => {
    const parsed = parseBankFile(sample("bai2/sample3.txt"));
    const txs = transactions(parsed);
    expect(txs[0]).toMatchObject({
      amountMinor: 2500,
      remittance: "TRANSFER PAYPAL PPD",
      location: "line 3 (record 16)",
    });
    expect(txs[1]).toMatchObject({ amountMinor: 500, location: "line 3 (record 16)" });
    const wrapped = txs.find((t) => t.location === "line 18 (record 16)")!;
    expect(wrapped).toMatchObject({
      amountMinor: 2500,
      remittance: "111111 ACH_SETL 1111111111 111111111111111 1111111111",
    });
  });

  it("sample4: keyed 88 continuations give counterparty, EREF and REMI; an R02 return", () => {
    const txs = transactions(
      parseBankFile(sample("bai2/sample4-continuations-newline-delimited.txt"), { verifyTotals: false }),
    );
    const ret = txs.find((t) => t.typeCode === "557")!;
    expect(ret).toMatchObject({
      amountMinor: -200000,
      direction: "debit",
      isReturn: true,
      counterparty: "Test",
      reference: "021000080000030",
      bankReference: "SB2322600000214",
      structuredReferences: ["021000080000030"],
    });
    const wire = txs.find((t) => t.bankReference === "GI2321400000090")!;
    expect(wire).toMatchObject({ amountMinor: -50500, counterparty: "TEST COMPANY", typeCode: "495" });
    expect(wire.remittance).toMatch(/ \/ QWERTIOP$/);
    const incoming = txs.find((t) => t.bankReference === "GI2229300000187")!;
    expect(incoming).toMatchObject({
      amountMinor: 1125,
      direction: "credit",
      counterpartyAccount: "8348572423",
    });
  });

  it("sample5: a '/' inside a reference does not end the record", () => {
    const txs = transactions(parseBankFile(sample("bai2/sample5-issue113.txt"), { verifyTotals: false }));
    expect(txs.find((t) => t.bankReference === "SPB2322684598521")).toMatchObject({
      reference: "AB/GS/RPFILERP0001/RPBA0001",
      amountMinor: -928650,
    });
    expect(txs.find((t) => t.bankReference === "GI2323300009168")!.remittance).toContain(
      "08/18/23 Invoice - Sample",
    );
  });
});

describe("camt samples: hand-picked transactions", () => {
  it("camt.053 v8: Dbtr/Pty/Nm, booking DtTm, domain code, end-to-end id", () => {
    const parsed = parseBankFile(sample("camt/camt053.v8.xml"));
    expect(parsed.statements[0]).toMatchObject({
      account: "NL26VAYB8060476890",
      currency: "EUR",
      openingBalanceMinor: 1815,
    });
    expect(transactions(parsed)[0]).toMatchObject({
      date: "2014-12-31",
      valueDate: "2015-01-02",
      amountMinor: 885,
      direction: "credit",
      counterparty: "NAME NAME",
      counterpartyAccount: "NL56AGDH9619008421",
      reference: "MUELL/FINP/RA12345",
      bankReference: "AAAASESS-FP-CN_98765/01",
      typeCode: "PMNT/RCDT/BOOK",
      remittance: "4654654654654654",
      structuredReferences: ["4654654654654654"],
      location: "Document/BkToCstmrStmt/Stmt[0]/Ntry[0]",
    });
  });

  it("camt.053 v2 with two statements whose balances add up", () => {
    const parsed = parseBankFile(sample("camt/camt053.v2.multi.statement.xml"));
    expect(
      parsed.statements.map((s) => [s.statementId, s.openingBalanceMinor, s.closingBalanceMinor]),
    ).toEqual([
      ["253EURNL26VAYB8060476890", 1815, 2700],
      ["254EURNL26VAYB8060476890", 2700, 2000],
    ]);
    expect(parsed.statements[1]!.transactions[0]).toMatchObject({
      amountMinor: -700,
      direction: "debit",
      counterparty: "Company Name 2",
      reference: "000000002",
      remittance: "Transaction Description 2",
    });
  });

  it("camt.052 v2: a debit's counterparty is the creditor; the ISO code over the proprietary one", () => {
    const tx = transactions(parseBankFile(sample("camt/camt052.v2.xml")))[0]!;
    expect(tx).toMatchObject({
      amountMinor: -20000000,
      currency: "SEK",
      counterparty: "Company Name",
      bankReference: "AAAASESS-FP-ACCR-01",
      typeCode: "PAYM/0001/0003", // the entry's ISO code wins over the TxDtls' proprietary one
      bookingText: "Credit",
    });
  });

  it("camt.054 v4: TxDtls amounts in another currency than the entry stay one transaction", () => {
    const txs = transactions(parseBankFile(sample("camt/camt054.v4.xml")));
    expect(txs).toHaveLength(1);
    expect(txs[0]).toMatchObject({ amountMinor: -20000000, currency: "SEK", counterparty: null });
    expect(txs[0]!.structuredReferences).toEqual([
      "ISR ref number V1",
      "ISR ref number V2",
      "Ref number V3 block 1",
      "Ref number V3 block 2",
    ]);
    expect(txs[0]!.remittance).toContain(
      "Unstructured Remittance Information V3 block 1 / Unstructured Remittance Information V3 block 2",
    );
  });

  it("camt.054 v8 without any date on the entry takes the notification's creation date", () => {
    const tx = transactions(parseBankFile(sample("camt/camt054.v8-with-UETR.xml")))[0]!;
    expect(tx).toMatchObject({ date: "2007-10-18", valueDate: null, typeCode: null, amountMinor: -20000000 });
  });
});

describe("MT940 samples: hand-picked transactions", () => {
  it("German ?-structured :86: with SEPA keywords (betterplace)", () => {
    const txs = transactions(
      parseBankFile(sample("mt940/betterplace_sepa_snippet.sta"), { verifyTotals: false }),
    );
    expect(txs[0]).toMatchObject({
      date: "2007-09-04",
      valueDate: "2007-09-07",
      amountMinor: 5099005,
      counterparty: "KARL KAUFMANN",
      counterpartyAccount: "DE14508800500194785000",
      reference: "EndToEndId TFNR 22 004 00001",
      bankReference: "0724710333343453",
      remittance: "Verw CTSc-01 BC-PPP TFNr 22 004",
      bookingText: "GUTSCHRIFT",
      typeCode: "NTRF",
    });
    // GVC 159 RETOURE lines are returns, both debit and credit ones.
    expect(txs.filter((t) => t.isReturn).map((t) => t.amountMinor)).toEqual([-8, 33533, 1500000, 91531155]);
  });

  it("Knab REK:/NAAM:, Rabobank reference and supplementary details, Triodos '>' subfields", () => {
    const knab = transactions(parseBankFile(sample("mt940/jejik_knab.sta"), { verifyTotals: false }));
    expect(knab[1]).toMatchObject({
      amountMinor: -726000,
      counterparty: "PICQER",
      counterpartyAccount: "NL65INGB0123456789",
      remittance: "FACTUUR 201403110, 201403113",
      bankReference: "B4G29PGCVO7Q06US",
    });
    const rabo = transactions(parseBankFile(sample("mt940/jejik_rabobank.sta"), { verifyTotals: false }));
    expect(rabo[0]).toMatchObject({
      reference: "0121470966",
      bookingText: "W.P. Jansen",
      remittance: "Terugboeking NIET AKKOORD MET AFSCHRIJVING KOSTEN KINDEROPVANG JUNI 20095731",
    });
    const triodos = transactions(parseBankFile(sample("mt940/jejik_triodos.sta"), { verifyTotals: false }));
    expect(triodos[0]).toMatchObject({
      amountMinor: -1570,
      remittance: "ALGEMENE TUSSENREKENING KOSTEN VAN 01-10-2010 TOT EN MET 31-12-2010",
      counterpartyAccount: null, // the >31 subfield holds the statement's own account here
    });
  });

  it("SNS: the only sample whose balances add up parses with verification on", () => {
    const parsed = parseBankFile(sample("mt940/jejik_sns.sta"));
    expect(parsed.statements).toHaveLength(2);
    expect(parsed.statements[0]).toMatchObject({ openingBalanceMinor: 123456, closingBalanceMinor: 120956 });
    expect(parsed.statements[0]!.transactions[0]).toMatchObject({
      date: "2012-06-08",
      valueDate: "2012-06-07",
      amountMinor: -2000,
      reference: "0987654321",
      bookingText: "marechal s",
      remittance: "0987654321 marechal s dit is een test",
    });
  });

  it("ABN AMRO: the balance mismatch names the closing balance's line and the amounts", () => {
    expectBankFileError(() => parseBankFile(sample("mt940/jejik_abnamro.sta")), {
      format: "mt940",
      location: "line 27 (:62F:)",
      reason:
        "opening balance 3,236.28 EUR plus the statement lines -321.44 EUR is 2,914.84 EUR, but the closing balance is 876.84 EUR",
    });
  });
});
