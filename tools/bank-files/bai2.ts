// BAI2 (Cash Management Balance Reporting Specifications, version 2; ANSI X9.121) → statements.
//
// Records: 01 file header, 02 group header, 03 account identifier + summaries, 16 transaction detail,
// 88 continuation (of whatever record precedes it), 49 account trailer, 98 group trailer, 99 file
// trailer. Fields are comma-separated; a record ends with "/" (or, as many banks send it, at the end of
// the line). Several records may share a line ("…/ 16,…"), and a line that does not start with a
// record code continues an unterminated 16/88 record (a wrapped text). A "/" inside a value (a text or
// a reference such as "AB/GS/1") does not end the record: only a "/" at the end of a line or followed
// by whitespace and the next record code does.
//
// Amounts carry no decimal point: they are in the minor unit of the account's currency (03 record,
// else the group's 02 currency, else USD), so JPY amounts are whole yen. Type codes 100–399 (and the
// customized 920–959) are credits, 400–699 (and 960–999) debits; a detail record with any other type
// code is rejected, except 890 (non-monetary information), which yields no transaction.
//
// Control totals: every 49 carries the sum of all amounts in its 03 (status and summary amounts, not
// availability distributions) and 16 records plus its record count (03, 16, 88 and the 49); every 98
// the sum of its 49s, its account count and record count; the 99 the sum of the 98s, the group count and
// the file's record count. All are checked.
import {
  checkCurrency,
  cleanAccount,
  cleanReference,
  joinRemittance,
  Totals,
  uniqueStrings,
  yymmdd,
} from "./common.ts";
import { BankFileError, type DraftStatement, type DraftTransaction } from "./types.ts";

const FORMAT = "bai2" as const;

/** Detail type codes of returned / reversed / rejected items (BAI2 type code list). */
const RETURN_TYPE_CODES = new Set([
  // credits
  "123", // EDIBANX credit return
  "252", // debit reversal
  "255", // check posted and returned
  "257", // individual ACH return item
  "258", // ACH reversal credit
  "261", // individual rejected credit
  "266", // return item
  "268", // return item adjustment
  "395", // check reversal
  // debits
  "423", // EDIBANX return item debit
  "552", // credit reversal
  "555", // deposited item returned
  "557", // individual ACH return item
  "558", // ACH reversal debit
  "561", // individual rejected debit
  "566", // return item
  "568", // return item adjustment
  "694", // deposit reversal
]);
/** "Credit/debit (any type)" and "miscellaneous" codes, where only the text can say it is a return. */
const GENERIC_TYPE_CODES = new Set(["108", "399", "409", "699"]);

/** Goldman-Sachs-style "KEY: value" continuation lines (sample4/5) that this parser understands. */
const KEYED_LINE = /^(EREF|REMI|CREF|DBNM|CRNM|DACT|CACT|DABA|CABA|DBIC|CBIC|IDNM|CHKN):\s?(.*)$/;

interface PhysicalRecord {
  line: number;
  code: string;
  /** The record without its code, comma and terminator. */
  body: string;
  terminated: boolean;
}

interface LogicalRecord extends PhysicalRecord {
  continuations: PhysicalRecord[];
}

export function parseBai2(
  text: string,
  verifyTotals: boolean,
): { statements: DraftStatement[]; warnings: string[] } {
  const records = readRecords(text);
  const totals = new Totals(FORMAT, verifyTotals);
  const statements: DraftStatement[] = [];
  const where = (r: PhysicalRecord) => `line ${r.line} (record ${r.code})`;
  const fail = (r: PhysicalRecord, reason: string): never => {
    throw new BankFileError(FORMAT, where(r), reason);
  };

  let index = 0;
  const next = () => records[index++];
  const first = records[0];
  if (!first) throw new BankFileError(FORMAT, null, "the file has no records");
  if (first.code !== "01") fail(first, "the file must start with a 01 file header record");

  // 01 file header
  const header = next()!;
  const hf = fieldsOf(header);
  const fileId = hf[4]?.trim() || null;
  const version = hf[7]?.trim();
  if (version && version !== "2") fail(header, `version "${version}" is not BAI2 (version 2)`);
  if (hf[2] !== undefined && hf[2].trim() !== "" && !yymmdd(hf[2].trim())) {
    fail(header, `file creation date ${hf[2].trim()} is not a date`);
  }
  let fileRecords = 1 + header.continuations.length;
  let fileTotal = 0n;
  let groups = 0;

  for (;;) {
    const record = next();
    if (!record) fail(lastOf(records), "the file ends without a 99 file trailer record");
    const rec = record!;
    if (rec.code === "99") {
      fileRecords += 1 + rec.continuations.length;
      const f = fieldsOf(rec);
      const total = signedAmount(rec, f[0], "file control total", fail);
      const groupCount = count(rec, f[1], "number of groups", fail);
      const recordCount = count(rec, f[2], "number of records", fail);
      if (total !== fileTotal) {
        totals.mismatch(where(rec), `file control total ${total} but the groups' totals sum to ${fileTotal}`);
      }
      if (groupCount !== groups) {
        totals.mismatch(where(rec), `number of groups ${groupCount} but the file has ${groups}`);
      }
      if (recordCount !== fileRecords) {
        totals.mismatch(where(rec), `number of records ${recordCount} but the file has ${fileRecords}`);
      }
      const extra = next();
      if (extra) fail(extra, "record after the 99 file trailer");
      break;
    }
    if (rec.code !== "02")
      fail(rec, `expected a 02 group header or the 99 file trailer, found record ${rec.code}`);

    // 02 group header
    groups++;
    const gf = fieldsOf(rec);
    const asOfText = (gf[3] ?? "").trim();
    const asOf = yymmdd(asOfText);
    if (!asOf) fail(rec, asOfText === "" ? "missing as-of date" : `as-of date ${asOfText} is not a date`);
    const groupCurrencyText = (gf[5] ?? "").trim();
    const groupCurrency = groupCurrencyText === "" ? "USD" : checkCurrency(groupCurrencyText);
    if (!groupCurrency) fail(rec, `unknown currency "${groupCurrencyText}"`);
    let groupRecords = 1 + rec.continuations.length;
    let groupTotal = 0n;
    let accounts = 0;

    for (;;) {
      const inner = next();
      if (!inner) fail(lastOf(records), "the file ends inside a group (no 98 group trailer)");
      const r = inner!;
      if (r.code === "98") {
        groupRecords += 1 + r.continuations.length;
        const f = fieldsOf(r);
        const total = signedAmount(r, f[0], "group control total", fail);
        const accountCount = count(r, f[1], "number of accounts", fail);
        const recordCount = count(r, f[2], "number of records", fail);
        if (total !== groupTotal) {
          totals.mismatch(
            where(r),
            `group control total ${total} but the accounts' totals sum to ${groupTotal}`,
          );
        }
        if (accountCount !== accounts) {
          totals.mismatch(where(r), `number of accounts ${accountCount} but the group has ${accounts}`);
        }
        if (recordCount !== groupRecords) {
          totals.mismatch(where(r), `number of records ${recordCount} but the group has ${groupRecords}`);
        }
        fileTotal += total;
        fileRecords += groupRecords;
        break;
      }
      if (r.code !== "03")
        fail(r, `expected a 03 account record or the 98 group trailer, found record ${r.code}`);

      // 03 account identifier and summaries
      accounts++;
      const af = fieldsOf(r);
      const account = cleanAccount(af[0]);
      if (!account) fail(r, "missing customer account number");
      const currencyText = (af[1] ?? "").trim();
      const currency = currencyText === "" ? groupCurrency! : checkCurrency(currencyText);
      if (!currency) fail(r, `unknown currency "${currencyText}"`);
      let accountRecords = 1 + r.continuations.length;
      let accountTotal = 0n;
      const summary = readSummaries(r, af.slice(2), fail);
      for (const s of summary) accountTotal += s.amount;
      const statement: DraftStatement = {
        account: account!,
        currency: currency!,
        statementId: fileId,
        fromDate: asOf!,
        toDate: asOf!,
        openingBalanceMinor: toNumber(summary.find((s) => s.type === "010")?.amount),
        closingBalanceMinor: toNumber(summary.find((s) => s.type === "015")?.amount),
        transactions: [],
      };

      for (;;) {
        const detail = next();
        if (!detail) fail(lastOf(records), "the file ends inside an account (no 49 account trailer)");
        const d = detail!;
        if (d.code === "49") {
          accountRecords += 1 + d.continuations.length;
          const f = fieldsOf(d);
          const total = signedAmount(d, f[0], "account control total", fail);
          const recordCount = count(d, f[1], "number of records", fail);
          if (total !== accountTotal) {
            totals.mismatch(
              where(d),
              `account control total ${total} but the account's amounts sum to ${accountTotal}`,
            );
          }
          if (recordCount !== accountRecords) {
            totals.mismatch(
              where(d),
              `number of records ${recordCount} but the account has ${accountRecords}`,
            );
          }
          groupTotal += total;
          groupRecords += accountRecords;
          break;
        }
        if (d.code !== "16")
          fail(d, `expected a 16 detail or the 49 account trailer, found record ${d.code}`);
        accountRecords += 1 + d.continuations.length;
        const parsed = readDetail(d, fail);
        accountTotal += BigInt(parsed.amountMinor);
        const tx = toTransaction(parsed, d, asOf!, currency!, fail);
        if (tx) statement.transactions.push(tx);
      }
      statements.push(statement);
    }
  }
  return { statements, warnings: totals.warnings };
}

type Fail = (r: PhysicalRecord, reason: string) => never;

function lastOf(records: LogicalRecord[]): PhysicalRecord {
  const last = records[records.length - 1]!;
  return last.continuations[last.continuations.length - 1] ?? last;
}

function toNumber(value: bigint | undefined): number | null {
  return value === undefined ? null : Number(value);
}

// ---------------------------------------------------------------------------------------------
// Lines → physical records → logical records (a record with its 88 continuations).

function readRecords(text: string): LogicalRecord[] {
  const physical: PhysicalRecord[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    if (raw.trim() === "") return;
    // Split at terminators followed by another record on the same line.
    const segments = raw.split(/\/\s+(?=\d{2},)/);
    segments.forEach((segment, s) => {
      const terminatedHere = s < segments.length - 1 || /\/\s*$/.test(segment);
      const content = s < segments.length - 1 ? segment : segment.replace(/\/\s*$/, "");
      const head = /^\s*(\d{2}),/.exec(content);
      if (!head) {
        const previous = physical[physical.length - 1];
        if (
          s === 0 &&
          previous &&
          !previous.terminated &&
          (previous.code === "16" || previous.code === "88")
        ) {
          // A wrapped text (or a malformed continuation such as "88:EREF: …") continues the text.
          previous.body = `${previous.body} ${content.trim()}`;
          previous.terminated = terminatedHere;
          return;
        }
        throw new BankFileError(
          FORMAT,
          `line ${lineNo}`,
          `"${truncate(content.trim())}" is not a BAI2 record (a record starts with a two-digit record code and a comma)`,
        );
      }
      const code = head[1]!;
      if (!["01", "02", "03", "16", "88", "49", "98", "99"].includes(code)) {
        throw new BankFileError(FORMAT, `line ${lineNo} (record ${code})`, `unknown record code ${code}`);
      }
      physical.push({ line: lineNo, code, body: content.slice(head[0].length), terminated: terminatedHere });
    });
  });
  const logical: LogicalRecord[] = [];
  for (const record of physical) {
    if (record.code === "88") {
      const previous = logical[logical.length - 1];
      if (!previous) {
        throw new BankFileError(
          FORMAT,
          `line ${record.line} (record 88)`,
          "a continuation record cannot come first",
        );
      }
      previous.continuations.push(record);
    } else {
      logical.push({ ...record, continuations: [] });
    }
  }
  return logical;
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** A non-detail record's fields, its 88 continuations' fields appended. */
function fieldsOf(record: LogicalRecord): string[] {
  const fields = record.body.split(",");
  for (const c of record.continuations) fields.push(...c.body.split(","));
  return fields;
}

function signedAmount(r: PhysicalRecord, text: string | undefined, what: string, fail: Fail): bigint {
  const t = (text ?? "").trim();
  if (t === "") fail(r, `missing ${what}`);
  if (!/^[+-]?\d+$/.test(t)) fail(r, `${what} "${t}" is not a number`);
  return BigInt(t);
}

function count(r: PhysicalRecord, text: string | undefined, what: string, fail: Fail): number {
  const t = (text ?? "").trim();
  if (t === "") fail(r, `missing ${what}`);
  if (!/^\d+$/.test(t)) fail(r, `${what} "${t}" is not a number`);
  return Number(t);
}

interface Summary {
  type: string;
  amount: bigint;
}

/** 03 summaries: type code, amount, item count, funds type (+ availability fields), repeated. */
function readSummaries(r: LogicalRecord, fields: string[], fail: Fail): Summary[] {
  const out: Summary[] = [];
  let i = 0;
  while (i < fields.length) {
    const type = (fields[i] ?? "").trim();
    const amountText = (fields[i + 1] ?? "").trim();
    const itemCount = (fields[i + 2] ?? "").trim();
    const funds = (fields[i + 3] ?? "").trim();
    i += 4;
    if (type === "" && amountText === "" && itemCount === "" && funds === "" && i >= fields.length) break;
    if (type !== "" && !/^\d{3}$/.test(type)) fail(r, `type code "${type}" is not a three-digit code`);
    if (amountText !== "" && !/^[+-]?\d+$/.test(amountText))
      fail(r, `amount "${amountText}" is not a number`);
    if (itemCount !== "" && !/^\d+$/.test(itemCount)) fail(r, `item count "${itemCount}" is not a number`);
    i += availabilityLength(r, funds, fields, i, fail);
    if (type === "") continue; // a defaulted (empty) summary
    out.push({ type, amount: amountText === "" ? 0n : BigInt(amountText) });
  }
  return out;
}

/** How many fields follow a funds type: 0/1/2/Z none, S three, V two (date, time), D 1 + 2n. */
function availabilityLength(
  r: PhysicalRecord,
  funds: string,
  fields: string[],
  at: number,
  fail: Fail,
): number {
  switch (funds) {
    case "":
    case "0":
    case "1":
    case "2":
    case "Z":
      return 0;
    case "S":
      for (let k = 0; k < 3; k++) {
        const v = (fields[at + k] ?? "").trim();
        if (v !== "" && !/^[+-]?\d+$/.test(v)) fail(r, `availability amount "${v}" is not a number`);
      }
      return 3;
    case "V":
      return 2;
    case "D": {
      const n = (fields[at] ?? "").trim();
      if (!/^\d+$/.test(n)) fail(r, `distributed availability count "${n}" is not a number`);
      for (let k = 0; k < Number(n); k++) {
        const days = (fields[at + 1 + 2 * k] ?? "").trim();
        const amount = (fields[at + 2 + 2 * k] ?? "").trim();
        if (!/^\d+$/.test(days)) fail(r, `availability days "${days}" is not a number`);
        if (!/^[+-]?\d+$/.test(amount)) fail(r, `availability amount "${amount}" is not a number`);
      }
      return 1 + 2 * Number(n);
    }
    default:
      return fail(r, `funds type "${funds}" is not one of 0, 1, 2, S, V, D, Z`);
  }
}

interface Detail {
  type: string;
  amountMinor: number;
  valueDate: string | null;
  bankReference: string;
  customerReference: string;
  /** The text field followed by the continuation lines. */
  textLines: string[];
}

/**
 * 16 record: type code, amount, funds type (+ availability), bank reference, customer reference, text.
 * The text is the rest of the record (it may contain commas); 88 continuations either supply fields
 * the 16 record left out (when it ended before its text) or continue the text, one line each.
 */
function readDetail(record: LogicalRecord, fail: Fail): Detail {
  const pieces: PhysicalRecord[] = [record, ...record.continuations];
  const fields: string[] = [];
  const textLines: string[] = [];
  let textStarted = false;
  let failAt: PhysicalRecord = record;
  // Fields before the text: type, amount, funds, [availability…], bank ref, customer ref.
  const needed = (): number => {
    if (fields.length < 3) return 3 + 2;
    const funds = (fields[2] ?? "").trim();
    let extra = 0;
    if (funds === "S") extra = 3;
    else if (funds === "V") extra = 2;
    else if (funds === "D") {
      if (fields.length < 4) return 4 + 2;
      extra = 1 + 2 * Number((fields[3] ?? "").trim() || "0");
    }
    return 3 + extra + 2;
  };
  for (const piece of pieces) {
    if (textStarted) {
      textLines.push(piece.body);
      continue;
    }
    failAt = piece;
    let rest = piece.body;
    for (;;) {
      if (fields.length >= needed()) {
        // Everything after the customer reference's comma is text.
        textStarted = true;
        textLines.push(rest);
        break;
      }
      const comma = rest.indexOf(",");
      if (comma < 0) {
        fields.push(rest);
        if (fields.length >= needed()) textStarted = true; // the record ended exactly before its text
        break;
      }
      fields.push(rest.slice(0, comma));
      rest = rest.slice(comma + 1);
    }
  }
  const type = (fields[0] ?? "").trim();
  if (!/^\d{3}$/.test(type))
    fail(failAt, type === "" ? "missing type code" : `type code "${type}" is not a three-digit code`);
  const amountText = (fields[1] ?? "").trim().replace(/^\+/, "");
  if (amountText === "") fail(record, "missing amount");
  if (!/^\d+$/.test(amountText)) fail(record, `amount "${amountText}" is not a number`);
  const amountMinor = Number(amountText);
  if (!Number.isSafeInteger(amountMinor)) fail(record, `amount "${amountText}" is too large`);
  const funds = (fields[2] ?? "").trim();
  availabilityLength(record, funds, fields, 3, fail);
  let valueDate: string | null = null;
  if (funds === "V") {
    const v = (fields[3] ?? "").trim();
    const d = yymmdd(v);
    if (!d) fail(record, `value date ${v === "" ? "(empty)" : v} is not a date`);
    valueDate = d!;
  }
  const refAt =
    3 +
    (funds === "S"
      ? 3
      : funds === "V"
        ? 2
        : funds === "D"
          ? 1 + 2 * Number((fields[3] ?? "0").trim() || "0")
          : 0);
  return {
    type,
    amountMinor,
    valueDate,
    bankReference: (fields[refAt] ?? "").trim(),
    customerReference: (fields[refAt + 1] ?? "").trim(),
    textLines,
  };
}

function toTransaction(
  d: Detail,
  record: LogicalRecord,
  asOf: string,
  currency: string,
  fail: Fail,
): DraftTransaction | null {
  const code = Number(d.type);
  let direction: "credit" | "debit";
  if ((code >= 100 && code <= 399) || (code >= 920 && code <= 959)) direction = "credit";
  else if ((code >= 400 && code <= 699) || (code >= 960 && code <= 999)) direction = "debit";
  else if (d.type === "890")
    return null; // non-monetary information
  else {
    return fail(record, `type code ${d.type} is not a credit (100–399) or debit (400–699) detail type code`);
  }
  // Keyed continuation lines ("EREF: …") become fields; other lines are text.
  const keyed = new Map<string, string[]>();
  const text: string[] = [];
  d.textLines.forEach((line) => {
    const m = KEYED_LINE.exec(line.trim());
    if (m) keyed.set(m[1]!, [...(keyed.get(m[1]!) ?? []), m[2]!.trim()]);
    else text.push(line);
  });
  const first = (key: string) => keyed.get(key)?.find((v) => v.trim() !== "") ?? null;
  const freeText = text.map((t) => t.trim()).filter((t) => t !== "");
  const remittance = joinRemittance([freeText.join(" "), ...(keyed.get("REMI") ?? [])]);
  const eref = keyed.get("EREF") ?? [];
  const isReturn =
    RETURN_TYPE_CODES.has(d.type) ||
    (GENERIC_TYPE_CODES.has(d.type) &&
      /\b(RETURN(ED)?|RTN)\b/i.test(freeText.join(" ")) &&
      !/\b(CHA?RGE?S?|CHRG|FEES?)\b/i.test(freeText.join(" ")));
  return {
    date: asOf,
    valueDate: d.valueDate,
    amountMinor: direction === "credit" ? d.amountMinor : -d.amountMinor,
    currency,
    direction,
    isReturn,
    counterparty: direction === "credit" ? first("DBNM") : first("CRNM"),
    counterpartyAccount: cleanAccount(direction === "credit" ? first("DACT") : first("CACT")),
    reference: cleanReference(d.customerReference) ?? cleanReference(first("EREF")),
    bankReference: cleanReference(d.bankReference),
    remittance,
    structuredReferences: uniqueStrings(eref.map(cleanReference)),
    typeCode: d.type,
    chargesMinor: null,
    original: null,
    bookingText: null,
    booked: true,
    location: `line ${record.line} (record 16)`,
  };
}
