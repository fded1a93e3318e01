// Transaction fingerprints across files, format detection and the format override.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { detectBankFileFormat } from "../../../tools/bank-files/index.ts";
import { csvMapping, expectBankFileError, fixture, parseBankFile, sample, transactions } from "./helpers.ts";

describe("fingerprints", () => {
  it("are the documented SHA-256 of account, date, amount, currency, references, account and remittance", () => {
    const tx = transactions(parseBankFile(fixture("mt940-overlap-a.sta")))[0]!;
    const key = JSON.stringify([
      "DE89370400440532013000",
      "2025-03-03",
      10000,
      "EUR",
      "BK-20250303-01",
      "",
      "",
      "WAYNEENTERPRISESINV2025000401",
    ]);
    expect(tx.fingerprint).toBe(createHash("sha256").update(`${key}#0`).digest("hex"));
  });

  it("a camt.052 intraday entry and the same booking in the day's camt.053 share a fingerprint", () => {
    const intraday = transactions(parseBankFile(fixture("camt052-intraday.xml")));
    const statement = transactions(parseBankFile(fixture("camt053-multi-currency.xml")));
    // Same bookings: the intraday one has a booking DtTm and its remittance in one Ustrd instead of two.
    expect(intraday[0]!.fingerprint).toBe(statement[0]!.fingerprint);
    expect(intraday[1]!.fingerprint).toBe(statement[1]!.fingerprint);
    // The pending entry has no counterpart, and nothing else collides.
    const inStatement = new Set(statement.map((t) => t.fingerprint));
    expect(inStatement.has(intraday[2]!.fingerprint)).toBe(false);
    expect(inStatement.size).toBe(statement.length);
  });

  it("two MT940 statements covering the same day give the overlapping payment the same fingerprint", () => {
    const a = transactions(parseBankFile(fixture("mt940-overlap-a.sta")));
    const b = transactions(parseBankFile(fixture("mt940-overlap-b.sta")));
    expect(a[1]!.remittance).toBe("Stark Industries INV-2025-000402");
    expect(b[0]!.remittance).toBe("Stark Industries INV-2025-000402");
    expect(a[1]!.fingerprint).toBe(b[0]!.fingerprint);
    const shared = a.map((t) => t.fingerprint).filter((f) => b.some((t) => t.fingerprint === f));
    expect(shared).toEqual([a[1]!.fingerprint]);
  });

  it("two identical transfers on one day in one statement stay two", () => {
    const [, , hooli1, hooli2] = transactions(parseBankFile(fixture("mt940-eur.sta")));
    expect([hooli1!.amountMinor, hooli1!.remittance, hooli1!.bankReference]).toEqual([
      hooli2!.amountMinor,
      hooli2!.remittance,
      hooli2!.bankReference,
    ]);
    expect(hooli1!.fingerprint).not.toBe(hooli2!.fingerprint);
  });

  it("re-importing the same file (as text or bytes) gives the same fingerprints", () => {
    for (const name of ["camt054-batch.xml", "bai2-lockbox.bai", "mt940-usd.sta"]) {
      const text = fixture(name);
      const first = transactions(parseBankFile(text)).map((t) => t.fingerprint);
      const again = transactions(parseBankFile(new TextEncoder().encode(text))).map((t) => t.fingerprint);
      expect(again).toEqual(first);
      expect(new Set(first).size).toBe(first.length);
    }
  });

  it("the same transaction on another account is another transaction", () => {
    const text = fixture("mt940-overlap-a.sta");
    const other = text.replace(":25:DE89370400440532013000", ":25:DE02120300000000202051");
    const a = transactions(parseBankFile(text));
    const b = transactions(parseBankFile(other));
    expect(a.map((t) => t.amountMinor)).toEqual(b.map((t) => t.amountMinor));
    expect(a.some((t) => b.some((u) => u.fingerprint === t.fingerprint))).toBe(false);
  });
});

describe("detectBankFileFormat", () => {
  it("recognizes every fixture", () => {
    expect(
      Object.fromEntries(
        [
          "camt053-multi-currency.xml",
          "camt052-intraday.xml",
          "camt054-batch.xml",
          "camt053-broken-missing-ccy.xml",
          "mt940-eur.sta",
          "mt940-usd.sta",
          "mt940-broken-date.sta",
          "bai2-lockbox.bai",
          "bai2-broken-amount.bai",
          "bank-export.csv",
        ].map((name) => [name, detectBankFileFormat(fixture(name))]),
      ),
    ).toEqual({
      "camt053-multi-currency.xml": "camt.053",
      "camt052-intraday.xml": "camt.052",
      "camt054-batch.xml": "camt.054",
      "camt053-broken-missing-ccy.xml": "camt.053",
      "mt940-eur.sta": "mt940",
      "mt940-usd.sta": "mt940",
      "mt940-broken-date.sta": "mt940",
      "bai2-lockbox.bai": "bai2",
      "bai2-broken-amount.bai": "bai2",
      "bank-export.csv": "csv",
    });
  });

  it("recognizes camt by its root element when the namespace is missing, and with prefixed elements", () => {
    const bare = fixture("camt054-batch.xml").replace(/ xmlns(:xsi)?="[^"]*"/g, "");
    expect(detectBankFileFormat(bare)).toBe("camt.054");
    const prefixed = fixture("camt052-intraday.xml")
      .replace('<Document xmlns="', '<ns2:Document xmlns:ns2="')
      .replace(/<(\/?)(?!\?|!|ns2:Document)([A-Za-z])/g, "<$1ns2:$2");
    expect(detectBankFileFormat(prefixed)).toBe("camt.052");
    expect(transactions(parseBankFile(prefixed)).map((t) => t.fingerprint)).toEqual(
      transactions(parseBankFile(fixture("camt052-intraday.xml"))).map((t) => t.fingerprint),
    );
  });

  it("returns null for text in no known format", () => {
    expect(detectBankFileFormat("")).toBeNull();
    expect(detectBankFileFormat("hello\n")).toBeNull();
    expect(detectBankFileFormat('{"date": "2025-03-14", "amount": 12}')).toBeNull();
    expect(
      detectBankFileFormat(
        '<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>',
      ),
    ).toBeNull();
    // A BAI2-looking first record alone is not a BAI2 file; an MT940 needs :25: and a balance.
    expect(detectBankFileFormat("01,A,B,250314,0600,1,,,2/")).toBeNull();
    expect(detectBankFileFormat(":20:REF\n:86:text\n")).toBeNull();
  });

  it("uses the file name only as a hint for delimited files with a title line", () => {
    const titled = `Kontoauszug März 2025\n${fixture("bank-export.csv")}`;
    expect(detectBankFileFormat(titled)).toBeNull();
    expect(detectBankFileFormat(titled, "export.csv")).toBe("csv");
    expect(detectBankFileFormat(titled, "export.txt")).toBeNull();
  });
});

describe("format override (--format)", () => {
  it("parses as the given format, also where detection cannot tell", () => {
    const titled = `Kontoauszug März 2025\n${fixture("bank-export.csv")}`;
    expectBankFileError(() => parseBankFile(titled, { csv: csvMapping() }), {
      format: null,
      location: null,
      reason: /^not a bank file in a known format/,
    });
    const mapping = csvMapping();
    const parsed = parseBankFile(titled, {
      format: "csv",
      csv: { ...mapping, options: { ...mapping.options, skipLines: 1 } },
    });
    expect(parsed.format).toBe("csv");
    expect(transactions(parsed)).toHaveLength(4);
    expect(transactions(parsed)[0]!.location).toBe("line 3");
  });

  it("gives the same result as detection when it names the detected format", () => {
    for (const [name, format] of [
      ["mt940-eur.sta", "mt940"],
      ["bai2-lockbox.bai", "bai2"],
      ["camt054-batch.xml", "camt.054"],
    ] as const) {
      expect(parseBankFile(fixture(name), { format })).toEqual(parseBankFile(fixture(name)));
    }
  });

  it("rejects a file that is not the named format", () => {
    expectBankFileError(() => parseBankFile(fixture("camt053-multi-currency.xml"), { format: "camt.054" }), {
      format: "camt.054",
      location: "Document",
      reason: "the document is camt.053, not camt.054",
    });
    expectBankFileError(() => parseBankFile(fixture("mt940-eur.sta"), { format: "bai2" }), {
      format: "bai2",
      location: "line 1",
      reason:
        '":20:STARTUMS" is not a BAI2 record (a record starts with a two-digit record code and a comma)',
    });
    expectBankFileError(() => parseBankFile(sample("bai2/sample1.txt"), { format: "mt940" }), {
      format: "mt940",
      location: null,
      reason: "no statement (:20: … :62F:) in the file",
    });
    expectBankFileError(() => parseBankFile(fixture("bai2-lockbox.bai"), { format: "camt.053" }), {
      format: "camt.053",
      location: "Document",
      reason: "not an ISO 20022 camt document",
    });
  });
});

describe("line endings and encodings", () => {
  it("CRLF files parse exactly like LF files", () => {
    for (const name of ["mt940-eur.sta", "bai2-lockbox.bai", "bank-export.csv", "camt054-batch.xml"]) {
      const lf = fixture(name);
      const crlf = lf.replace(/\n/g, "\r\n");
      const options = name.endsWith(".csv") ? { csv: csvMapping() } : {};
      expect(parseBankFile(crlf, options)).toEqual(parseBankFile(lf, options));
    }
  });

  it("bytes: UTF-8 with a BOM, and Latin-1 MT940 from older bank systems", () => {
    const text = fixture("mt940-overlap-a.sta").replace("Wayne Enterprises", "Müller Bäckerei");
    const utf8 = new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from(text, "utf8")]);
    const latin1 = new Uint8Array(Buffer.from(text, "latin1"));
    const expected = transactions(parseBankFile(text));
    expect(expected[0]!.remittance).toBe("Müller Bäckerei INV-2025-000401");
    expect(transactions(parseBankFile(utf8))).toEqual(expected);
    expect(transactions(parseBankFile(latin1))).toEqual(expected);
  });
});
