// Malformed input: every error names its location (line and record/tag, element path, or CSV line and
// column) and the reason, and nothing is returned partially.
import { describe, expect, it } from "vitest";
import { parseCsvBankMapping } from "../../../tools/bank-files/index.ts";
import { csvMapping, expectBankFileError, fixture, parseBankFile, transactions } from "./helpers.ts";

/** Replaces exactly one occurrence, so a fixture edit cannot silently miss. */
function edit(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  expect(at, `"${from}" in the fixture`).toBeGreaterThanOrEqual(0);
  expect(text.indexOf(from, at + 1), `"${from}" only once`).toBe(-1);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

describe("any format", () => {
  it("an empty file", () => {
    expectBankFileError(() => parseBankFile(""), {
      format: null,
      location: null,
      reason: "the file is empty",
    });
    expectBankFileError(() => parseBankFile(new Uint8Array()), {
      format: null,
      location: null,
      reason: "the file is empty",
    });
    expectBankFileError(() => parseBankFile(" \r\n\n"), {
      format: null,
      location: null,
      reason: "the file is empty",
    });
    expectBankFileError(() => parseBankFile("", { format: "mt940" }), {
      format: "mt940",
      location: null,
      reason: "the file is empty",
    });
  });

  it("a file in no known format lists the formats", () => {
    const reason =
      "not a bank file in a known format (camt.052, camt.053, camt.054, bai2, mt940, csv); a CSV needs a header row and a column mapping";
    expectBankFileError(() => parseBankFile("Dear customer,\nyour statement is attached.\n"), {
      format: null,
      location: null,
      reason,
    });
    const pain = `<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn/></Document>`;
    expectBankFileError(() => parseBankFile(pain), { format: null, location: null, reason });
  });

  it("an unknown format override", () => {
    expectBankFileError(() => parseBankFile("x", { format: "qif" as never }), {
      format: null,
      location: null,
      reason: 'unknown format "qif" (known: camt.052, camt.053, camt.054, bai2, mt940, csv)',
    });
  });
});

describe("BAI2 errors", () => {
  const good = fixture("bai2-lockbox.bai");

  it("bai2-broken-amount.bai: a bad amount names the line and record", () => {
    expectBankFileError(() => parseBankFile(fixture("bai2-broken-amount.bai")), {
      format: "bai2",
      location: "line 14 (record 16)",
      reason: 'amount "12a0" is not a number',
    });
  });

  it("account, group and file trailer totals and counts must match", () => {
    expectBankFileError(() => parseBankFile(edit(good, "49,3787150,12/", "49,3787151,12/")), {
      format: "bai2",
      location: "line 14 (record 49)",
      reason: "account control total 3787151 but the account's amounts sum to 3787150",
    });
    expectBankFileError(() => parseBankFile(edit(good, "49,3787150,12/", "49,3787150,11/")), {
      format: "bai2",
      location: "line 14 (record 49)",
      reason: "number of records 11 but the account has 12",
    });
    expectBankFileError(() => parseBankFile(edit(good, "98,2660000,1,6/", "98,2660000,2,6/")), {
      format: "bai2",
      location: "line 21 (record 98)",
      reason: "number of accounts 2 but the group has 1",
    });
    expectBankFileError(() => parseBankFile(edit(good, "99,6447150,2,22/", "99,6447150,2,23/")), {
      format: "bai2",
      location: "line 22 (record 99)",
      reason: "number of records 23 but the file has 22",
    });
    expectBankFileError(() => parseBankFile(edit(good, "99,6447150,2,22/", "99,6447000,2,22/")), {
      format: "bai2",
      location: "line 22 (record 99)",
      reason: "file control total 6447000 but the groups' totals sum to 6447150",
    });
  });

  it("verifyTotals: false reports the mismatch as a warning and returns the file", () => {
    const parsed = parseBankFile(edit(good, "49,3787150,12/", "49,3787151,12/"), { verifyTotals: false });
    expect(parsed.warnings).toEqual([
      "bai2: line 14 (record 49): account control total 3787151 but the account's amounts sum to 3787150",
      "bai2: line 15 (record 98): group control total 3787150 but the accounts' totals sum to 3787151",
    ]);
    expect(transactions(parsed)).toHaveLength(7);
  });

  it("dates, currencies, funds types, type codes and structure", () => {
    expectBankFileError(
      () => parseBankFile(edit(good, "02,ARCCORP,121000248,1,250313,", "02,ARCCORP,121000248,1,251340,")),
      {
        format: "bai2",
        location: "line 2 (record 02)",
        reason: "as-of date 251340 is not a date",
      },
    );
    expectBankFileError(() => parseBankFile(edit(good, "03,4455667788,USD,", "03,4455667788,XYZ,")), {
      format: "bai2",
      location: "line 3 (record 03)",
      reason: 'unknown currency "XYZ"',
    });
    expectBankFileError(() => parseBankFile(edit(good, "16,142,33050,Z,", "16,142,33050,Q,")), {
      format: "bai2",
      location: "line 11 (record 16)",
      reason: 'funds type "Q" is not one of 0, 1, 2, S, V, D, Z',
    });
    expectBankFileError(
      () => parseBankFile(edit(good, "16,195,119000,V,250313,", "16,195,119000,V,250231,")),
      {
        format: "bai2",
        location: "line 6 (record 16)",
        reason: "value date 250231 is not a date",
      },
    );
    expectBankFileError(() => parseBankFile(edit(good, "16,475,21000,", "16,799,21000,")), {
      format: "bai2",
      location: "line 13 (record 16)",
      reason: "type code 799 is not a credit (100–399) or debit (400–699) detail type code",
    });
    expectBankFileError(() => parseBankFile(edit(good, "99,6447150,2,22/", "")), {
      format: "bai2",
      location: "line 21 (record 98)",
      reason: "the file ends without a 99 file trailer record",
    });
    // After a terminated record, a line without a record code is an error ...
    expectBankFileError(
      () => parseBankFile(edit(good, "16,555,60000,0,RET0007,CHK-1044,", "RET0007,CHK-1044,")),
      {
        format: "bai2",
        location: "line 12",
        reason:
          '"RET0007,CHK-1044,DEPOSITED ITEM RETURNED…" is not a BAI2 record (a record starts with a two-digit record code and a comma)',
      },
    );
    // ... after an unterminated 16 it continues that record's text (a wrapped line), so the counts no longer match.
    expectBankFileError(
      () => parseBankFile(edit(good, "16,475,21000,0,CHK0001,1045,CHECK PAID 1045/", "CHECK PAID 1045/")),
      {
        format: "bai2",
        location: "line 14 (record 49)",
        reason: "account control total 3787150 but the account's amounts sum to 3766150",
      },
    );
    expectBankFileError(() => parseBankFile(edit(good, "49,2660000,4/\n", "")), {
      format: "bai2",
      location: "line 20 (record 98)",
      reason: "expected a 16 detail or the 49 account trailer, found record 98",
    });
  });
});

describe("MT940 errors", () => {
  const good = fixture("mt940-overlap-a.sta");

  it("mt940-broken-date.sta: a bad value date names the line and tag", () => {
    expectBankFileError(() => parseBankFile(fixture("mt940-broken-date.sta")), {
      format: "mt940",
      location: "line 9 (:61:)",
      reason: "value date 251340 is not a date",
    });
  });

  it("opening balance + lines must equal the closing balance", () => {
    const changed = edit(good, ":62F:C250304EUR1300,00", ":62F:C250304EUR1300,01");
    expectBankFileError(() => parseBankFile(changed), {
      format: "mt940",
      location: "line 9 (:62F:)",
      reason:
        "opening balance 1,000.00 EUR plus the statement lines 300.00 EUR is 1,300.00 EUR, but the closing balance is 1,300.01 EUR",
    });
    const lenient = parseBankFile(changed, { verifyTotals: false });
    expect(lenient.warnings).toHaveLength(1);
    expect(lenient.statements[0]!.closingBalanceMinor).toBe(130001);
  });

  it("amounts, dates, currencies and missing tags", () => {
    expectBankFileError(() => parseBankFile(edit(good, "C100,00NTRF", "C1O,00NTRF")), {
      format: "mt940",
      location: "line 5 (:61:)",
      reason: 'amount "1O,00" is not a number',
    });
    expectBankFileError(() => parseBankFile(edit(good, "C100,00NTRF", "C100,001NTRF")), {
      format: "mt940",
      location: "line 5 (:61:)",
      reason: 'amount "100,001" has more decimals than EUR allows (2)',
    });
    expectBankFileError(() => parseBankFile(edit(good, ":61:2503030303C", ":61:2503031340C")), {
      format: "mt940",
      location: "line 5 (:61:)",
      reason: "entry date 1340 is not a date",
    });
    expectBankFileError(() => parseBankFile(edit(good, ":60F:C250302EUR1000,00", ":60F:C250302XYZ1000,00")), {
      format: "mt940",
      location: "line 4 (:60F:)",
      reason: 'unknown currency "XYZ"',
    });
    expectBankFileError(() => parseBankFile(edit(good, ":60F:C250302EUR1000,00", ":60F:C2503EUR1000,00")), {
      format: "mt940",
      location: "line 4 (:60F:)",
      reason: '"C2503EUR1000,00" is not a balance (mark C/D, date YYMMDD, currency, amount)',
    });
    expectBankFileError(() => parseBankFile(edit(good, ":62F:C250304EUR1300,00\n", "")), {
      format: "mt940",
      location: "line 9",
      reason: "statement opened on line 1 ends without a closing balance (:62F:/:62M:)",
    });
    expectBankFileError(
      () => parseBankFile(edit(good, ":25:DE89370400440532013000\n", ""), { format: "mt940" }),
      {
        format: "mt940",
        location: "line 1 (:20:)",
        reason: "statement has no account (:25:)",
      },
    );
    expectBankFileError(() => parseBankFile(edit(good, ":20:ARC-OVL-A\n", ""), { format: "mt940" }), {
      format: "mt940",
      location: "line 1 (:25:)",
      reason: "tag outside a statement (no :20: before it)",
    });
    expectBankFileError(() => parseBankFile(edit(good, "C100,00NTRFNONREF", "C100,00")), {
      format: "mt940",
      location: "line 5 (:61:)",
      reason: 'missing transaction type (e.g. NTRF) after the amount in "100,00//BK-20250303-01"',
    });
  });
});

describe("camt errors", () => {
  const good = fixture("camt053-multi-currency.xml");
  const stmt = "Document/BkToCstmrStmt/Stmt[0]";

  it("camt053-broken-missing-ccy.xml: a missing attribute names the element path", () => {
    expectBankFileError(() => parseBankFile(fixture("camt053-broken-missing-ccy.xml")), {
      format: "camt.053",
      location: "Document/BkToCstmrStmt/Stmt[0]/Ntry[2]/Amt",
      reason: "missing Ccy attribute",
    });
  });

  it("balances and the transaction summary must add up", () => {
    const closing = edit(good, '<Amt Ccy="EUR">15425.50</Amt>', '<Amt Ccy="EUR">15425.51</Amt>');
    expectBankFileError(() => parseBankFile(closing), {
      format: "camt.053",
      location: `${stmt}/Bal`,
      reason:
        "opening balance 12,500.00 EUR plus the entries 2,925.50 EUR is 15,425.50 EUR, but the closing balance is 15,425.51 EUR",
    });
    expectBankFileError(
      () => parseBankFile(edit(good, "<NbOfNtries>5</NbOfNtries>", "<NbOfNtries>6</NbOfNtries>")),
      {
        format: "camt.053",
        location: `${stmt}/TxsSummry/TtlNtries/NbOfNtries`,
        reason: "6 entries stated but the statement has 5",
      },
    );
    expectBankFileError(() => parseBankFile(edit(good, "<Sum>4565.50</Sum>", "<Sum>4565.00</Sum>")), {
      format: "camt.053",
      location: `${stmt}/TxsSummry/TtlCdtNtries/Sum`,
      reason: "sum 4,565.00 EUR stated but the entries sum to 4,565.50 EUR",
    });
  });

  it("a batch whose TxDtls amounts do not add up to the entry", () => {
    const batch = edit(
      fixture("camt054-batch.xml"),
      '<Amt Ccy="EUR">750.00</Amt>',
      '<Amt Ccy="EUR">740.00</Amt>',
    );
    expectBankFileError(() => parseBankFile(batch), {
      format: "camt.054",
      location: "Document/BkToCstmrDbtCdtNtfctn/Ntfctn[0]/Ntry[0]/NtryDtls",
      reason: "the TxDtls amounts sum to 3,440.00 EUR but the entry amount is 3,450.00 EUR",
    });
    // Not verifying: the entry stays one transaction of the entry's amount.
    const lenient = parseBankFile(batch, { verifyTotals: false });
    expect(transactions(lenient).map((t) => t.amountMinor)).toEqual([345000, -32000]);
    expect(transactions(lenient)[0]).toMatchObject({
      counterparty: null,
      reference: null,
      bankReference: "BATCH-20250317-01",
    });
    expect(lenient.warnings).toHaveLength(1);
  });

  it("missing elements, bad values, dates, currencies and XML syntax", () => {
    const withoutAcct = good.replace(/<Acct>[\s\S]*?<\/Acct>/, "");
    expectBankFileError(() => parseBankFile(withoutAcct), {
      format: "camt.053",
      location: stmt,
      reason: "missing Acct",
    });
    expectBankFileError(
      () =>
        parseBankFile(
          edit(
            good,
            "<IBAN>DE89370400440532013000</IBAN>\n        </Id>\n        <Ccy>EUR",
            "</Id>\n        <Ccy>EUR",
          ),
        ),
      {
        format: "camt.053",
        location: `${stmt}/Acct/Id`,
        reason: "missing account id (IBAN or Othr/Id)",
      },
    );
    expectBankFileError(
      () => parseBankFile(edit(good, '<Amt Ccy="EUR">2380.00</Amt>', '<Amt Ccy="EUR">2,380.00</Amt>')),
      {
        format: "camt.053",
        location: `${stmt}/Ntry[1]/Amt`,
        reason: 'amount "2,380.00" is not a number',
      },
    );
    expectBankFileError(
      () => parseBankFile(edit(good, '<Amt Ccy="JPY">5500</Amt>', '<Amt Ccy="JPY">5500.5</Amt>')),
      {
        format: "camt.053",
        location: "Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/Amt",
        reason: 'amount "5500.5" has more decimals than JPY allows (0)',
      },
    );
    expectBankFileError(
      () => parseBankFile(edit(good, '<Amt Ccy="EUR">450.00</Amt>', '<Amt Ccy="XYZ">450.00</Amt>')),
      {
        format: "camt.053",
        location: `${stmt}/Ntry[2]/Amt`,
        reason: 'unknown currency "XYZ"',
      },
    );
    expectBankFileError(
      () =>
        parseBankFile(
          edit(
            good,
            "<CdtDbtInd>DBIT</CdtDbtInd>\n        <RvslInd>",
            "<CdtDbtInd>DEBIT</CdtDbtInd>\n        <RvslInd>",
          ),
        ),
      {
        format: "camt.053",
        location: `${stmt}/Ntry[3]/CdtDbtInd`,
        reason: '"DEBIT" is not CRDT or DBIT',
      },
    );
    expectBankFileError(
      () =>
        parseBankFile(
          edit(
            good,
            "<BookgDt><Dt>2025-03-14</Dt></BookgDt>\n        <ValDt><Dt>2025-03-17</Dt>",
            "<BookgDt><Dt>2025-02-30</Dt></BookgDt>\n        <ValDt><Dt>2025-03-17</Dt>",
          ),
        ),
      {
        format: "camt.053",
        location: `${stmt}/Ntry[4]/BookgDt/Dt`,
        reason: '"2025-02-30" is not a date',
      },
    );
    expectBankFileError(
      () => parseBankFile(edit(good, "<Ustrd>Order PO-5531</Ustrd>", "<Ustrd>Order PO-5531</Ustr>")),
      {
        format: "camt.053",
        location: "line 145",
        reason:
          "not well-formed XML: Expected closing tag 'Ustrd' (opened in line 145, col 15) instead of closing tag 'Ustr'.",
      },
    );
  });
});

describe("CSV errors", () => {
  const good = fixture("bank-export.csv");

  it("bank-export-broken.csv: a bad amount names the line and column", () => {
    expectBankFileError(() => parseBankFile(fixture("bank-export-broken.csv"), { csv: csvMapping() }), {
      format: "csv",
      location: 'line 3, column "Haben"',
      // The wording after "is not an amount" is db/money.ts's parseMoney's.
      reason: /^"2\.5OO,00" is not an amount/,
    });
  });

  it("a CSV needs a mapping", () => {
    expectBankFileError(() => parseBankFile(good), {
      format: "csv",
      location: null,
      reason: "a CSV bank file needs a column mapping (which columns hold the date, amount, currency, …)",
    });
  });

  it("dates, currencies, amounts and columns", () => {
    expectBankFileError(
      () =>
        parseBankFile(edit(good, "14.03.2025;14.03.2025;ACME", "2025-03-14;14.03.2025;ACME"), {
          csv: csvMapping(),
        }),
      {
        format: "csv",
        location: 'line 2, column "Buchungstag"',
        reason: '"2025-03-14" is not a date in DD.MM.YYYY',
      },
    );
    expectBankFileError(
      () => parseBankFile(edit(good, "450,00;;EUR", "450,00;;EUX"), { csv: csvMapping() }),
      {
        format: "csv",
        location: 'line 4, column "Währung"',
        reason: 'unknown currency "EUX"',
      },
    );
    expectBankFileError(
      () => parseBankFile(edit(good, "450,00;;EUR", "450,00;450,00;EUR"), { csv: csvMapping() }),
      {
        format: "csv",
        location: 'line 4, column "Soll"',
        reason: "both credit and debit are filled in",
      },
    );
    expectBankFileError(() => parseBankFile(good, { csv: { ...csvMapping(), remittance: "Memo" } }), {
      format: "csv",
      location: "line 1",
      reason: 'missing column "Memo" in the header',
    });
  });

  it("mapping documents: errors name the field", () => {
    expectBankFileError(
      () =>
        parseCsvBankMapping(
          "date: Datum\namount: Betrag\ncurrency: W\naccount: K\noptions: { decimal: ';' }",
        ),
      {
        format: "csv",
        location: "mapping.options.decimal",
        reason: 'must be "." or ","',
      },
    );
    expectBankFileError(() => parseCsvBankMapping("date: Datum\namount: Betrag\naccount: K"), {
      format: "csv",
      location: "mapping.currency",
      reason: "required: map a currency column or set options.currency",
    });
    expectBankFileError(
      () =>
        parseCsvBankMapping(
          '{"date": "Datum", "amount": "A", "credit": "H", "currency": "W", "account": "K"}',
        ),
      {
        format: "csv",
        location: "mapping.amount",
        reason: "map either amount or credit/debit, not both",
      },
    );
    expectBankFileError(
      () =>
        parseCsvBankMapping(
          "date: Datum\namount: A\ncurrency: W\noptions: { account: K, dateFormat: YYYY/MM/DD }",
        ),
      {
        format: "csv",
        location: "mapping.options.dateFormat",
        reason: "must be one of YYYY-MM-DD, MM/DD/YYYY, DD/MM/YYYY, DD.MM.YYYY",
      },
    );
    expectBankFileError(
      () => parseCsvBankMapping("date: Datum\namount: A\ncurrency: W\naccount: K\nmemo: M"),
      {
        format: "csv",
        location: "mapping.memo",
        reason: /^unknown field \(known: date, amount, /,
      },
    );
  });
});
