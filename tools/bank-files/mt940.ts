// SWIFT MT940 (customer statement message) → statements.
//
// A file holds one or more statements, each from :20: to its closing balance, optionally wrapped in
// SWIFT blocks ("{1:…}{2:…}{4:" … "-}") or separated by "-" lines; anything before a :20: that is not a
// tag (bank header lines such as "ABNANL2A" / "940") is ignored. Tags: :20: reference, :21:, :25:
// account, :28:/:28C: statement number, :60F:/:60M: opening balance, :61: statement line, :86:
// information (for the :61: before it, or for the statement after the closing balance), :62F:/:62M:
// closing balance, :64: / :65: available balances. A tag's value continues on following lines up to the
// next tag.
//
// :61: subfields: value date YYMMDD, optional entry (booking) date MMDD (its year is the value date's,
// moved by one when the months are more than six apart: a December entry of a January value date is
// the year before), mark C / D / RC (reversal of a credit: a debit) / RD (reversal of a debit: a
// credit), optional funds code letter, amount with a decimal comma, transaction type (N/F/S + 3),
// customer reference up to 16 characters, optional "//" bank reference, and supplementary details
// (rest of the line, or the next line).
//
// :86: is free text or one of the structured variants, from which counterparty name/account, end-to-end
// reference and remittance are taken:
//   - German (DK/ZKA) "GVC?00…?10…?20…?29…?30 BLZ/BIC ?31 account/IBAN ?32/?33 name ?34…?60–?63" (and the
//     Triodos/older variant with ">" instead of "?"); the purpose text ?20–?29, ?60–?63 may carry SEPA
//     keywords EREF+ KREF+ MREF+ CRED+ SVWZ+ ABWA+ ABWE+ …;
//   - slash-keyed "/KEY/value" (ING /TRCD/…/CNTP/…/REMI/…, Rabobank /EREF/…/BENM//NAME/…/REMI/…,
//     ABN AMRO /TRTP/…/IBAN/…/NAME/…/REMI/…);
//   - Knab-style "REK: account/NAAM: name".
// Returns: RC/RD marks, the transaction type RTI (returned item), German GVCs 109/159/181/184 or
// return wording in the posting text (?00), and a /RTRN/ key.
//
// Balances are checked per statement: opening + Σ :61: = closing.
import { isKnownCurrency } from "../../db/money.ts";
import {
  clean,
  cleanAccount,
  cleanReference,
  decimalToMinor,
  isoDate,
  joinRemittance,
  money,
  Totals,
  uniqueStrings,
  yymmdd,
} from "./common.ts";
import { BankFileError, type DraftStatement, type DraftTransaction } from "./types.ts";

const FORMAT = "mt940" as const;
/** Content width of an :86: line; a full line was wrapped mid-word, so the next one joins without a space. */
const LINE_WIDTH = 65;

interface Tag {
  tag: string;
  line: number;
  /** The value's lines: the rest of the tag line, then the continuation lines. */
  lines: string[];
}

interface Balance {
  mark: "C" | "D";
  date: string;
  currency: string;
  amountMinor: number;
}

interface OpenStatement {
  startLine: number;
  reference: string | null;
  account: string | null;
  number: string | null;
  opening: Balance | null;
  closing: { balance: Balance; tag: Tag } | null;
  lines: { tag: Tag; info: Tag[] }[];
}

export function parseMt940(
  text: string,
  verifyTotals: boolean,
): { statements: DraftStatement[]; warnings: string[] } {
  const totals = new Totals(FORMAT, verifyTotals);
  const statements: DraftStatement[] = [];
  let current: OpenStatement | null = null;
  let tag: Tag | null = null;
  let afterClosing = false;

  const fail = (t: Tag, reason: string): never => {
    throw new BankFileError(FORMAT, `line ${t.line} (:${t.tag}:)`, reason);
  };

  const finishTag = () => {
    if (!tag) return;
    const t = tag;
    tag = null;
    if (t.tag === "20") return; // handled when it opened the statement
    if (!current) return;
    switch (t.tag) {
      case "25":
        current.account = t.lines.join("").replace(/\s+/g, "");
        if (current.account === "") fail(t, "missing account identification");
        return;
      case "28":
      case "28C":
        current.number = clean(t.lines.join("")) ?? null;
        return;
      case "60F":
      case "60M":
      case "60":
        if (current.opening) fail(t, "a second opening balance in one statement");
        if (current.lines.length > 0) fail(t, "opening balance after statement lines");
        current.opening = balance(t, fail);
        return;
      case "61":
        if (!current.opening) fail(t, "statement line before the opening balance (:60F:/:60M:)");
        if (afterClosing) fail(t, "statement line after the closing balance");
        current.lines.push({ tag: t, info: [] });
        return;
      case "86": {
        const last = current.lines[current.lines.length - 1];
        if (last && !afterClosing) last.info.push(t);
        return; // otherwise information about the statement as a whole
      }
      case "62F":
      case "62M":
      case "62":
        if (!current.opening) fail(t, "closing balance without an opening balance");
        if (afterClosing) fail(t, "a second closing balance in one statement");
        current.closing = { balance: balance(t, fail), tag: t };
        afterClosing = true;
        return;
      case "64":
      case "65":
        balance(t, fail);
        return;
      default:
      // :13D:, :21:, :34F:, :90C:/:90D:, :NS: and bank-specific tags carry nothing a statement needs.
    }
  };

  const closeStatement = (atLine: number) => {
    finishTag();
    if (!current) return;
    const s = current;
    current = null;
    afterClosing = false;
    statements.push(buildStatement(s, atLine, totals, fail));
  };

  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((rawLine, i) => {
    const lineNo = i + 1;
    let line = rawLine;
    // SWIFT envelope: "{1:…}{2:…}{3:…}{4:" opens the text block; "-}" closes it; "{5:…}" trailers.
    const block4 = line.indexOf("{4:");
    if (block4 >= 0 && /^\{\d:/.test(line)) {
      closeStatement(lineNo);
      line = line.slice(block4 + 3);
      if (line.trim() === "") return;
    } else if (/^\s*\{\d:/.test(line)) {
      return;
    }
    if (/^-\}?\s*(\{.*)?$/.test(line) || /^\}\s*$/.test(line)) {
      closeStatement(lineNo);
      return;
    }
    if (line.trim() === "") return;
    const m = /^:(\d{2}[A-Z]?|NS):(.*)$/.exec(line);
    if (m) {
      finishTag();
      const name = m[1]!;
      if (name === "20") {
        closeStatement(lineNo);
        current = {
          startLine: lineNo,
          reference: clean(m[2]),
          account: null,
          number: null,
          opening: null,
          closing: null,
          lines: [],
        };
        afterClosing = false;
        tag = { tag: name, line: lineNo, lines: [m[2]!] };
        return;
      }
      if (!current) {
        throw new BankFileError(
          FORMAT,
          `line ${lineNo} (:${name}:)`,
          "tag outside a statement (no :20: before it)",
        );
      }
      tag = { tag: name, line: lineNo, lines: [m[2]!] };
      return;
    }
    if (tag) {
      tag.lines.push(line);
      return;
    }
    // Bank header lines ("ABNANL2A", "940", ":940:") before a statement carry nothing.
    if (current) {
      throw new BankFileError(FORMAT, `line ${lineNo}`, `"${line.trim().slice(0, 40)}" is not an MT940 tag`);
    }
  });
  closeStatement(lines.length);
  if (statements.length === 0) {
    throw new BankFileError(FORMAT, null, "no statement (:20: … :62F:) in the file");
  }
  return { statements, warnings: totals.warnings };
}

type Fail = (t: Tag, reason: string) => never;

function balance(t: Tag, fail: Fail): Balance {
  const value = t.lines.join("").trim();
  const m = /^([CD])(\d{6})([A-Za-z]{3})([\d,]+)$/.exec(value);
  if (!m) {
    return fail(t, `"${value}" is not a balance (mark C/D, date YYMMDD, currency, amount)`);
  }
  const date = yymmdd(m[2]!);
  if (!date) fail(t, `date ${m[2]} is not a date`);
  const currency = m[3]!.toUpperCase();
  if (!isKnownCurrency(currency)) fail(t, `unknown currency "${m[3]}"`);
  let amountMinor = 0;
  try {
    amountMinor = decimalToMinor(m[4]!, currency, ",");
  } catch (error) {
    fail(t, (error as Error).message);
  }
  return { mark: m[1] as "C" | "D", date: date!, currency, amountMinor };
}

const signed = (b: Balance) => (b.mark === "D" ? -b.amountMinor : b.amountMinor);

function buildStatement(s: OpenStatement, atLine: number, totals: Totals, fail: Fail): DraftStatement {
  const where = `line ${s.startLine} (:20:)`;
  if (s.account === null) throw new BankFileError(FORMAT, where, "statement has no account (:25:)");
  if (!s.opening) throw new BankFileError(FORMAT, where, "statement has no opening balance (:60F:/:60M:)");
  if (!s.closing) {
    throw new BankFileError(
      FORMAT,
      `line ${atLine}`,
      `statement opened on line ${s.startLine} ends without a closing balance (:62F:/:62M:)`,
    );
  }
  const opening = s.opening;
  const closing = s.closing.balance;
  if (closing.currency !== opening.currency) {
    fail(
      s.closing.tag,
      `closing balance currency ${closing.currency} differs from the opening balance's ${opening.currency}`,
    );
  }
  const own = cleanAccount(s.account) ?? "";
  const transactions = s.lines.map((l) => {
    const tx = statementLine(l.tag, l.info, opening, fail);
    // Some banks (Triodos) put the statement's own account where the counterparty's belongs.
    if (tx.counterpartyAccount !== null && own.endsWith(tx.counterpartyAccount))
      tx.counterpartyAccount = null;
    return tx;
  });
  const sum = transactions.reduce((acc, t) => acc + t.amountMinor, 0);
  if (signed(opening) + sum !== signed(closing)) {
    totals.mismatch(
      `line ${s.closing.tag.line} (:${s.closing.tag.tag}:)`,
      `opening balance ${money(signed(opening), opening.currency)} plus the statement lines ` +
        `${money(sum, opening.currency)} is ${money(signed(opening) + sum, opening.currency)}, ` +
        `but the closing balance is ${money(signed(closing), closing.currency)}`,
    );
  }
  return {
    account: s.account,
    currency: opening.currency,
    statementId: s.number ?? s.reference,
    fromDate: opening.date,
    toDate: closing.date,
    openingBalanceMinor: signed(opening),
    closingBalanceMinor: signed(closing),
    transactions,
  };
}

const LINE_61_HEAD = /^(\d{6})(\d{4})?(RC|RD|C|D)([A-Z])?[ \n]?/;

function statementLine(t: Tag, info: Tag[], opening: Balance, fail: Fail): DraftTransaction {
  const first = t.lines[0] ?? "";
  // Some banks break the line after the mark; join such a break back before matching.
  let head = first;
  let restLines = t.lines.slice(1);
  if (/^\d{6}(\d{4})?R?[CD][A-Z]?$/.test(first) && restLines.length > 0) {
    head = `${first}${restLines[0]}`;
    restLines = restLines.slice(1);
  }
  const m = LINE_61_HEAD.exec(head);
  if (!m) {
    const date = /^(\d{6})/.exec(head)?.[1];
    if (!date) return fail(t, `"${head.slice(0, 30)}" does not start with a value date (YYMMDD)`);
    const valid = yymmdd(date);
    if (!valid) return fail(t, `value date ${date} is not a date`);
    return fail(t, `"${head.slice(0, 30)}" is not a statement line (date, mark C/D/RC/RD, amount, type)`);
  }
  const valueDate = yymmdd(m[1]!);
  if (!valueDate) fail(t, `value date ${m[1]} is not a date`);
  let date = valueDate!;
  if (m[2]) {
    const month = Number(m[2].slice(0, 2));
    const day = Number(m[2].slice(2));
    const valueYear = Number(valueDate!.slice(0, 4));
    const valueMonth = Number(valueDate!.slice(5, 7));
    let year = valueYear;
    if (month - valueMonth > 6) year -= 1;
    else if (valueMonth - month > 6) year += 1;
    const entry = isoDate(year, month, day);
    if (!entry) fail(t, `entry date ${m[2]} is not a date`);
    date = entry!;
  }
  const mark = m[3] as "C" | "D" | "RC" | "RD";
  // Amount: everything up to the transaction type (N/S/F and three characters).
  const afterMark = head.slice(m[0].length);
  const typeAt = afterMark.search(/[NSF][A-Z0-9 ]{3}/);
  if (typeAt < 0)
    fail(t, `missing transaction type (e.g. NTRF) after the amount in "${afterMark.slice(0, 30)}"`);
  const amountText = afterMark.slice(0, typeAt);
  if (amountText === "") fail(t, "missing amount");
  let minor = 0;
  try {
    minor = decimalToMinor(amountText, opening.currency, ",");
  } catch (error) {
    fail(t, (error as Error).message);
  }
  const typeCode = afterMark.slice(typeAt, typeAt + 4).trim();
  // Customer reference (≤16, up to "//"), bank reference (≤23), supplementary details.
  const rest = afterMark.slice(typeAt + 4);
  let customerRef: string;
  let bankRef: string | null = null;
  let extra: string;
  const slashes = rest.indexOf("//");
  if (slashes >= 0 && slashes <= 16) {
    customerRef = rest.slice(0, slashes);
    const after = rest.slice(slashes + 2);
    bankRef = after.slice(0, 23);
    extra = after.slice(23);
  } else {
    customerRef = rest.slice(0, 16);
    extra = rest.slice(16);
  }
  const supplementary = clean([extra, ...restLines].join(" "));
  const direction = mark === "C" || mark === "RD" ? "credit" : "debit";
  const details = parseInformation(info);
  const customer = cleanReference(/^[A-Z]{4}\+$/.test(customerRef.trim()) ? "" : customerRef);
  const isReturn = mark === "RC" || mark === "RD" || typeCode.slice(1) === "RTI" || details.isReturn;
  return {
    date,
    valueDate: valueDate!,
    amountMinor: direction === "credit" ? minor : -minor,
    currency: opening.currency,
    direction,
    isReturn,
    counterparty: details.counterparty,
    counterpartyAccount: details.counterpartyAccount,
    reference: details.reference ?? customer,
    bankReference: cleanReference(bankRef),
    remittance: details.remittance,
    structuredReferences: details.structuredReferences,
    typeCode,
    chargesMinor: null,
    original: null,
    bookingText: joinRemittance([details.postingText, supplementary]),
    booked: true,
    location: `line ${t.line} (:61:)`,
  };
}

// ---------------------------------------------------------------------------------------------
// :86: information to account (structured variants).

interface Information {
  counterparty: string | null;
  counterpartyAccount: string | null;
  reference: string | null;
  remittance: string | null;
  structuredReferences: string[];
  postingText: string | null;
  isReturn: boolean;
}

const NONE: Information = {
  counterparty: null,
  counterpartyAccount: null,
  reference: null,
  remittance: null,
  structuredReferences: [],
  postingText: null,
  isReturn: false,
};

/** Lines joined: a full-width line was wrapped mid-word (no space), a shorter one at a word break. */
function joinWrapped(lines: string[]): string {
  let out = "";
  lines.forEach((line, i) => {
    if (i > 0) out += lines[i - 1]!.length >= LINE_WIDTH ? "" : " ";
    out += line;
  });
  return out;
}

function parseInformation(info: Tag[]): Information {
  if (info.length === 0) return NONE;
  const lines = info.flatMap((t) => t.lines).filter((l) => l.trim() !== "");
  if (lines.length === 0) return NONE;
  const first = lines[0]!.trimStart();
  if (/^\d{3}[?>]\d{2}/.test(first) || /^\d{3}$/.test(first.trim())) {
    return german(lines.map((l, i) => (i === 0 ? first : l)).join(""));
  }
  const joined = joinWrapped(lines);
  if (/^\s*\/[A-Z]{2,4}\//.test(joined)) return slashKeyed(joined.trim());
  return freeText(joined);
}

const GERMAN_RETURN_GVC = new Set(["109", "159", "181", "184"]);
const SEPA_KEYWORDS = /(EREF|KREF|MREF|CRED|DEBT|COAM|OAMT|SVWZ|ABWA|ABWE|IBAN|BIC)\+/g;

function german(text: string): Information {
  const gvc = text.slice(0, 3);
  const separator = text[3] === ">" ? ">" : "?";
  const fields = new Map<string, string[]>();
  const re = separator === ">" ? />(\d{2})/g : /\?(\d{2})/g;
  const marks = [...text.matchAll(re)];
  marks.forEach((mark, i) => {
    const start = mark.index! + mark[0].length;
    const end = i + 1 < marks.length ? marks[i + 1]!.index! : text.length;
    const key = mark[1]!;
    fields.set(key, [...(fields.get(key) ?? []), text.slice(start, end)]);
  });
  const get = (...keys: string[]) => keys.flatMap((k) => fields.get(k) ?? []);
  const purposeKeys = ["20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "60", "61", "62", "63"];
  const purpose = marks
    .filter((mk) => purposeKeys.includes(mk[1]!))
    .map((mk) => {
      const start = mk.index! + mk[0].length;
      const next = marks.find((n) => n.index! > mk.index!);
      return text.slice(start, next ? next.index! : text.length);
    })
    .join("");
  // SEPA keywords in the purpose text.
  const sepa = new Map<string, string>();
  const found = [...purpose.matchAll(SEPA_KEYWORDS)];
  found.forEach((k, i) => {
    const start = k.index! + k[0].length;
    const end = i + 1 < found.length ? found[i + 1]!.index! : purpose.length;
    if (!sepa.has(k[1]!)) sepa.set(k[1]!, purpose.slice(start, end));
  });
  const postingText = clean(get("00").join(" "));
  const name = clean(get("32", "33").join(""));
  const eref = cleanReference(sepa.get("EREF"));
  const kref = cleanReference(sepa.get("KREF"));
  const remittance = found.length > 0 ? clean(sepa.get("SVWZ")) : clean(purpose);
  const isReturn =
    GERMAN_RETURN_GVC.has(gvc) ||
    /RETOURE|R(UE|Ü)CKLASTSCHRIFT|R(UE|Ü)CK(UE|Ü)BERWEISUNG|R(UE|Ü)CKBELASTUNG/i.test(postingText ?? "");
  return {
    counterparty: name ?? clean(sepa.get("ABWA")) ?? clean(sepa.get("ABWE")),
    counterpartyAccount: cleanAccount(get("31")[0]),
    reference: eref ?? kref,
    remittance,
    structuredReferences: uniqueStrings([eref]),
    postingText,
    isReturn,
  };
}

const SLASH_KEYS = [
  "TRCD",
  "TRTP",
  "EREF",
  "PREF",
  "MARF",
  "CSID",
  "CNTP",
  "REMI",
  "PURP",
  "ULTC",
  "ULTD",
  "ULTB",
  "BENM",
  "ORDP",
  "NAME",
  "ADDR",
  "IBAN",
  "BIC",
  "ISDT",
  "RTRN",
  "CREF",
  "IREF",
  "INV",
  "ACCW",
  "SVWZ",
  "ABWA",
  "BENF",
  "ID",
];

function slashKeyed(text: string): Information {
  const re = new RegExp(`/(${SLASH_KEYS.join("|")})/`, "g");
  const found = [...text.matchAll(re)];
  const values = new Map<string, string[]>();
  found.forEach((k, i) => {
    const start = k.index! + k[0].length;
    const end = i + 1 < found.length ? found[i + 1]!.index! : text.length;
    // A value ends with the "/" that starts the next key; strip separators left at its end.
    const value = text.slice(start, end).replace(/\/+\s*$/, "");
    values.set(k[1]!, [...(values.get(k[1]!) ?? []), value]);
  });
  const first = (key: string) => values.get(key)?.find((v) => v.trim() !== "") ?? null;
  const structured: (string | null)[] = [];
  const remittance: string[] = [];
  for (const remi of values.get("REMI") ?? []) {
    // ING: "USTD//free text" or "STRD/CUR/RF18…"; others: the text itself.
    const ustd = /^USTD\/\/?(.*)$/s.exec(remi);
    const strd = /^STRD\/[A-Z]*\/(.*)$/s.exec(remi);
    if (ustd) remittance.push(ustd[1]!);
    else if (strd) {
      remittance.push(strd[1]!);
      structured.push(cleanReference(strd[1]!));
    } else remittance.push(remi);
  }
  for (const inv of values.get("INV") ?? []) {
    remittance.push(inv);
    structured.push(cleanReference(inv));
  }
  const eref = cleanReference(first("EREF"));
  let counterparty = clean(first("NAME"));
  let account = cleanAccount(first("IBAN") ?? first("ACCW"));
  const cntp = first("CNTP");
  if (cntp) {
    // account / BIC / name / city
    const parts = cntp.split("/");
    counterparty = counterparty ?? clean(parts[2]);
    account = account ?? cleanAccount(parts[0]);
  }
  return {
    counterparty,
    counterpartyAccount: account,
    reference: eref ?? cleanReference(first("PREF")),
    remittance: joinRemittance(remittance),
    structuredReferences: uniqueStrings([eref, ...structured]),
    postingText: clean(first("TRTP")),
    isReturn: values.has("RTRN"),
  };
}

function freeText(text: string): Information {
  // Knab and similar: "… REK: NL65INGB0123456789/NAAM: PICQER"
  const rek = /\bREK:\s*([A-Z0-9 ]+?)\s*\/\s*NAAM:\s*(.+?)\s*$/i.exec(text);
  if (rek) {
    return {
      ...NONE,
      counterparty: clean(rek[2]),
      counterpartyAccount: cleanAccount(rek[1]),
      remittance: clean(text.slice(0, rek.index)),
    };
  }
  return { ...NONE, remittance: clean(text) };
}
