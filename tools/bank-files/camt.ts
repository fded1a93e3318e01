// ISO 20022 camt.052 (intraday account report), camt.053 (statement), camt.054 (debit/credit
// notification), any version (001.02 … 001.13): the message and its version come from the namespace
// (urn:iso:std:iso:20022:tech:xsd:camt.053.001.08); element prefixes are ignored.
//
// One statement per Rpt / Stmt / Ntfctn. Each Ntry becomes one transaction, or one per TxDtls when the
// entry is a batch booking whose TxDtls carry amounts in the entry's currency (their signed sum must
// equal the entry's). Version differences handled: Sts as text (v2–v4) or Sts/Cd (v8+), party names
// at Dbtr/Nm (≤ v7) or Dbtr/Pty/Nm (v8+), TxDtls/Amt (v4+) or TxDtls/AmtDtls/TxAmt/Amt (v2), charges
// as repeated Chrgs/Amt (v2) or Chrgs/TtlChrgsAndTaxAmt | Chrgs/Rcrd/Amt (v4+). For credits the
// counterparty is the debtor, for debits the creditor.
//
// Checked: well-formedness, amounts (Ccy attribute, decimal syntax, known currency, currency
// decimals), CdtDbtInd, dates; TxsSummry counts and sums when present; for camt.053 the opening
// (OPBD/PRCD) + entries = closing (CLBD) balance when both are given in the account currency and every
// entry is booked.
//
// An entry with neither booking nor value date (camt.054 often has none) takes the message's
// creation date.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import {
  checkCurrency,
  clean,
  cleanAccount,
  cleanReference,
  decimalToMinor,
  isoDateOf,
  joinRemittance,
  money,
  Totals,
  uniqueStrings,
} from "./common.ts";
import { BankFileError, type DraftStatement, type DraftTransaction } from "./types.ts";

export type CamtFormat = "camt.052" | "camt.053" | "camt.054";

const MESSAGES: Record<CamtFormat, { root: string; statement: string }> = {
  "camt.052": { root: "BkToCstmrAcctRpt", statement: "Rpt" },
  "camt.053": { root: "BkToCstmrStmt", statement: "Stmt" },
  "camt.054": { root: "BkToCstmrDbtCdtNtfctn", statement: "Ntfctn" },
};

/** Bank transaction sub-family codes meaning a returned / reversed payment. */
const RETURN_SUBFAMILIES = new Set(["RRTN", "RPCR", "UPDD", "PRDD", "URCQ", "UPCQ"]);

const ARRAY_TAGS = new Set([
  "Stmt",
  "Rpt",
  "Ntfctn",
  "Ntry",
  "NtryDtls",
  "TxDtls",
  "Ustrd",
  "Strd",
  "RfrdDocInf",
  "AddtlRmtInf",
  "Bal",
  "Chrgs",
  "Rcrd",
]);

/** The camt message a text is, from its namespace (or, without one, its root element). */
export function camtFormatOf(text: string): CamtFormat | null {
  const ns = /urn:iso:std:iso:20022:tech:xsd:(camt\.05[234])\.\d{3}\.\d{2}/.exec(text);
  if (ns) return ns[1] as CamtFormat;
  if (!/^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<([\w.-]+:)?Document[\s>]/.test(text)) return null;
  for (const [format, { root }] of Object.entries(MESSAGES) as [CamtFormat, { root: string }][]) {
    if (new RegExp(`<([\\w.-]+:)?${root}[\\s>]`).test(text)) return format;
  }
  return null;
}

type XmlNode = Record<string, unknown>;

function isNode(value: unknown): value is XmlNode {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** The first child element named `name` (elements parsed as arrays give their first item). */
function child(node: unknown, name: string): unknown {
  if (!isNode(node)) return undefined;
  const value = node[name];
  return Array.isArray(value) ? value[0] : value;
}

function at(node: unknown, ...path: string[]): unknown {
  let current = node;
  for (const name of path) current = child(current, name);
  return current;
}

/** An element's text ("" for an empty element), or undefined when absent or not a text element. */
function text(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (isNode(value)) {
    const t = value["#text"];
    if (t !== undefined) return String(t);
    if (Object.keys(value).every((k) => k.startsWith("@_"))) return "";
  }
  return undefined;
}

function textAt(node: unknown, ...path: string[]): string | undefined {
  return text(at(node, ...path));
}

export function parseCamt(
  content: string,
  format: CamtFormat,
  verifyTotals: boolean,
): { statements: DraftStatement[]; warnings: string[] } {
  const totals = new Totals(format, verifyTotals);
  const fail = (location: string | null, reason: string): never => {
    throw new BankFileError(format, location, reason);
  };
  const detected = camtFormatOf(content);
  if (detected === null) fail("Document", "not an ISO 20022 camt document");
  if (detected !== format) fail("Document", `the document is ${detected}, not ${format}`);

  const valid = XMLValidator.validate(content);
  if (valid !== true) {
    fail(`line ${valid.err.line}`, `not well-formed XML: ${valid.err.msg}`);
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    isArray: (name) => ARRAY_TAGS.has(name),
  });
  let doc: XmlNode;
  try {
    doc = parser.parse(content) as XmlNode;
  } catch (error) {
    // The validator lets a few malformations through that the parser then throws on (e.g. a "<?" left
    // after the root element): still the parsers' own error, naming the document.
    return fail("Document", `not well-formed XML: ${(error as Error).message}`);
  }
  const document = doc["Document"];
  if (!isNode(document)) return fail("Document", "missing Document element");
  const { root, statement: statementTag } = MESSAGES[format];
  const message = document[root];
  const rootPath = `Document/${root}`;
  if (!isNode(message)) return fail(rootPath, `missing ${root} element`);
  const messageCreated = isoDateOf(textAt(message, "GrpHdr", "CreDtTm") ?? "");
  const statementNodes = list(message[statementTag]);
  if (statementNodes.length === 0) fail(rootPath, `no ${statementTag} element`);

  const ctx = { format, fail, totals };
  const statements = statementNodes.map((node, i) =>
    readStatement(ctx, node, `${rootPath}/${statementTag}[${i}]`, messageCreated ?? null),
  );
  return { statements, warnings: totals.warnings };
}

interface Ctx {
  format: CamtFormat;
  fail: (location: string | null, reason: string) => never;
  totals: Totals;
}

interface Money {
  minor: number;
  currency: string;
}

/** An amount element `<Amt Ccy="EUR">8.85</Amt>`. */
function amount(ctx: Ctx, node: unknown, path: string): Money {
  if (node === undefined) return ctx.fail(path, "missing");
  const value = text(node)?.trim() ?? "";
  const ccy = isNode(node) ? node["@_Ccy"] : undefined;
  if (typeof ccy !== "string" || ccy.trim() === "") return ctx.fail(path, "missing Ccy attribute");
  const currency = checkCurrency(ccy);
  if (!currency) return ctx.fail(path, `unknown currency "${ccy}"`);
  if (value === "") return ctx.fail(path, "empty amount");
  try {
    return { minor: decimalToMinor(value, currency, "."), currency };
  } catch (error) {
    return ctx.fail(path, (error as Error).message);
  }
}

function indicator(ctx: Ctx, node: unknown, path: string): "credit" | "debit" {
  const value = text(node)?.trim();
  if (value === undefined) return ctx.fail(path, "missing CdtDbtInd");
  if (value === "CRDT") return "credit";
  if (value === "DBIT") return "debit";
  return ctx.fail(path, `"${value}" is not CRDT or DBIT`);
}

/** A date choice `<Dt>` | `<DtTm>` → YYYY-MM-DD; undefined when absent. */
function dateChoice(ctx: Ctx, node: unknown, path: string): string | undefined {
  if (node === undefined) return undefined;
  for (const name of ["Dt", "DtTm"]) {
    const value = textAt(node, name);
    if (value === undefined) continue;
    const date = isoDateOf(value);
    if (!date) return ctx.fail(`${path}/${name}`, `"${value}" is not a date`);
    return date;
  }
  return undefined;
}

function accountId(node: unknown): string | null {
  return cleanAccount(textAt(node, "Id", "IBAN") ?? textAt(node, "Id", "Othr", "Id"));
}

function readStatement(ctx: Ctx, node: unknown, path: string, messageCreated: string | null): DraftStatement {
  if (!isNode(node)) return ctx.fail(path, "empty element");
  const acct = child(node, "Acct");
  if (acct === undefined) ctx.fail(path, "missing Acct");
  const account = textAt(acct, "Id", "IBAN") ?? textAt(acct, "Id", "Othr", "Id");
  if (!account || account.trim() === "") ctx.fail(`${path}/Acct/Id`, "missing account id (IBAN or Othr/Id)");
  const ccyText = textAt(acct, "Ccy");
  let currency: string | undefined;
  if (ccyText !== undefined) {
    currency = checkCurrency(ccyText);
    if (!currency) ctx.fail(`${path}/Acct/Ccy`, `unknown currency "${ccyText}"`);
  }
  const created = isoDateOf(textAt(node, "CreDtTm") ?? "") ?? messageCreated;
  const entries = list(node["Ntry"]);
  const balances = list(node["Bal"]);
  // Without Acct/Ccy the account currency is the entries' (or the balances').
  currency ??= entryCurrency(ctx, entries, path) ?? balanceCurrency(ctx, balances, path);
  if (!currency) ctx.fail(`${path}/Acct`, "no currency: no Acct/Ccy, entries or balances to take it from");

  let opening: { minor: number; date: string | undefined } | null = null;
  let closing: { minor: number; date: string | undefined } | null = null;
  balances.forEach((bal, i) => {
    const p = `${path}/Bal[${i}]`;
    const code = textAt(bal, "Tp", "CdOrPrtry", "Cd") ?? textAt(bal, "Tp", "CdOrPrtry", "Prtry");
    const amt = amount(ctx, child(bal, "Amt"), `${p}/Amt`);
    const sign = indicator(ctx, child(bal, "CdtDbtInd"), `${p}/CdtDbtInd`) === "credit" ? 1 : -1;
    const date = dateChoice(ctx, child(bal, "Dt"), `${p}/Dt`);
    if (amt.currency !== currency) return; // a balance in another currency is not this account's
    if ((code === "OPBD" || code === "PRCD") && opening === null) opening = { minor: sign * amt.minor, date };
    if (code === "CLBD") closing = { minor: sign * amt.minor, date };
  });

  const transactions: DraftTransaction[] = [];
  const signedEntries: { minor: number; currency: string; booked: boolean }[] = [];
  entries.forEach((entry, j) => {
    const result = readEntry(ctx, entry, `${path}/Ntry[${j}]`, created ?? null, cleanAccount(account));
    transactions.push(...result.transactions);
    signedEntries.push(result.signed);
  });

  checkSummary(ctx, node, path, signedEntries, currency!);
  const o = opening as { minor: number; date: string | undefined } | null;
  const c = closing as { minor: number; date: string | undefined } | null;
  if (
    ctx.format === "camt.053" &&
    o &&
    c &&
    signedEntries.every((e) => e.booked && e.currency === currency)
  ) {
    const sum = signedEntries.reduce((acc, e) => acc + e.minor, 0);
    if (o.minor + sum !== c.minor) {
      ctx.totals.mismatch(
        `${path}/Bal`,
        `opening balance ${money(o.minor, currency!)} plus the entries ${money(sum, currency!)} is ` +
          `${money(o.minor + sum, currency!)}, but the closing balance is ${money(c.minor, currency!)}`,
      );
    }
  }
  const fromDate = isoDateOf(textAt(node, "FrToDt", "FrDtTm") ?? "") ?? o?.date ?? null;
  const toDate = isoDateOf(textAt(node, "FrToDt", "ToDtTm") ?? "") ?? c?.date ?? null;
  return {
    account: account!.replace(/\s+/g, ""),
    currency: currency!,
    statementId: clean(textAt(node, "Id")),
    fromDate,
    toDate,
    openingBalanceMinor: o?.minor ?? null,
    closingBalanceMinor: c?.minor ?? null,
    transactions,
  };
}

function entryCurrency(ctx: Ctx, entries: unknown[], path: string): string | undefined {
  const first = entries[0];
  if (first === undefined) return undefined;
  return amount(ctx, child(first, "Amt"), `${path}/Ntry[0]/Amt`).currency;
}

function balanceCurrency(ctx: Ctx, balances: unknown[], path: string): string | undefined {
  const first = balances[0];
  if (first === undefined) return undefined;
  return amount(ctx, child(first, "Amt"), `${path}/Bal[0]/Amt`).currency;
}

/** TxsSummry: entry counts and sums (absolute), net amount, credit and debit counts and sums. */
function checkSummary(
  ctx: Ctx,
  node: XmlNode,
  path: string,
  entries: { minor: number; currency: string }[],
  currency: string,
): void {
  const summary = child(node, "TxsSummry");
  if (summary === undefined) return;
  const p = `${path}/TxsSummry`;
  const sameCurrency = entries.every((e) => e.currency === currency);
  const decimal = (value: string, where: string) => {
    try {
      return decimalToMinor(value.trim(), currency, ".");
    } catch (error) {
      return ctx.fail(where, (error as Error).message);
    }
  };
  const check = (group: string, selected: { minor: number }[]) => {
    const g = child(summary, group);
    if (g === undefined) return;
    const nb = textAt(g, "NbOfNtries");
    if (nb !== undefined) {
      if (!/^\d+$/.test(nb.trim())) ctx.fail(`${p}/${group}/NbOfNtries`, `"${nb}" is not a number`);
      if (Number(nb) !== selected.length) {
        ctx.totals.mismatch(
          `${p}/${group}/NbOfNtries`,
          `${nb} entries stated but the statement has ${selected.length}`,
        );
      }
    }
    const sum = textAt(g, "Sum");
    if (sum !== undefined && sameCurrency) {
      const stated = decimal(sum, `${p}/${group}/Sum`);
      const actual = selected.reduce((acc, e) => acc + Math.abs(e.minor), 0);
      if (stated !== actual) {
        ctx.totals.mismatch(
          `${p}/${group}/Sum`,
          `sum ${money(stated, currency)} stated but the entries sum to ${money(actual, currency)}`,
        );
      }
    }
  };
  check("TtlNtries", entries);
  check(
    "TtlCdtNtries",
    entries.filter((e) => e.minor > 0),
  );
  check(
    "TtlDbtNtries",
    entries.filter((e) => e.minor < 0),
  );
  const total = child(summary, "TtlNtries");
  const net = textAt(total, "TtlNetNtry", "Amt") ?? textAt(total, "TtlNetNtryAmt");
  if (net !== undefined && sameCurrency) {
    const ind = textAt(total, "TtlNetNtry", "CdtDbtInd") ?? textAt(total, "CdtDbtInd");
    const stated = decimal(net, `${p}/TtlNtries/TtlNetNtry`) * (ind === "DBIT" ? -1 : 1);
    const actual = entries.reduce((acc, e) => acc + e.minor, 0);
    if (stated !== actual) {
      ctx.totals.mismatch(
        `${p}/TtlNtries/TtlNetNtry`,
        `net ${money(stated, currency)} stated but the entries net to ${money(actual, currency)}`,
      );
    }
  }
}

function status(entry: unknown): string | undefined {
  const sts = child(entry, "Sts");
  return (text(sts) || textAt(sts, "Cd") || textAt(sts, "Prtry"))?.trim().toUpperCase();
}

function bankTransactionCode(node: unknown): {
  code: string | null;
  subFamily: string | null;
  domain: boolean;
} {
  const btc = child(node, "BkTxCd");
  const domain = textAt(btc, "Domn", "Cd");
  if (domain) {
    const family = textAt(btc, "Domn", "Fmly", "Cd");
    const sub = textAt(btc, "Domn", "Fmly", "SubFmlyCd");
    return { code: [domain, family, sub].filter((x) => x).join("/"), subFamily: sub ?? null, domain: true };
  }
  return { code: clean(textAt(btc, "Prtry", "Cd")), subFamily: null, domain: false };
}

interface TxParts {
  node: unknown;
  path: string;
}

function readEntry(
  ctx: Ctx,
  entry: unknown,
  path: string,
  created: string | null,
  ownAccount: string | null,
): { transactions: DraftTransaction[]; signed: { minor: number; currency: string; booked: boolean } } {
  if (!isNode(entry)) return ctx.fail(path, "empty element");
  if (entry["Amt"] === undefined) ctx.fail(path, "missing Amt");
  const amt = amount(ctx, child(entry, "Amt"), `${path}/Amt`);
  const direction = indicator(ctx, child(entry, "CdtDbtInd"), `${path}/CdtDbtInd`);
  const reversal = textAt(entry, "RvslInd")?.trim();
  if (reversal !== undefined && !["true", "false", "1", "0"].includes(reversal)) {
    ctx.fail(`${path}/RvslInd`, `"${reversal}" is not true or false`);
  }
  const booking = dateChoice(ctx, child(entry, "BookgDt"), `${path}/BookgDt`);
  const value = dateChoice(ctx, child(entry, "ValDt"), `${path}/ValDt`);
  const date = booking ?? value ?? created;
  if (!date) ctx.fail(path, "no booking date, value date or creation date");
  const st = status(entry);
  const booked = st === undefined || st === "BOOK";
  const signedMinor = direction === "credit" ? amt.minor : -amt.minor;

  const details: TxParts[] = [];
  const ntryDtls = list(entry["NtryDtls"]);
  ntryDtls.forEach((nd, k) => {
    const base = ntryDtls.length === 1 ? `${path}/NtryDtls` : `${path}/NtryDtls[${k}]`;
    list(isNode(nd) ? nd["TxDtls"] : undefined).forEach((tx, l) => {
      details.push({ node: tx, path: `${base}/TxDtls[${l}]` });
    });
  });

  const entryInfo: EntryInfo = {
    date: date!,
    valueDate: value ?? null,
    entry,
    path,
    reversal: reversal === "true" || reversal === "1",
    booked,
    bankReference: cleanReference(textAt(entry, "AcctSvcrRef")),
    ownAccount,
  };

  // A batch booking: one transaction per TxDtls when every TxDtls states its amount in the entry's currency.
  if (details.length >= 2) {
    const amounts = details.map((d) => {
      const node = child(d.node, "Amt") ?? at(d.node, "AmtDtls", "TxAmt", "Amt");
      if (node === undefined) return null;
      const where = child(d.node, "Amt") !== undefined ? `${d.path}/Amt` : `${d.path}/AmtDtls/TxAmt/Amt`;
      const m = amount(ctx, node, where);
      if (m.currency !== amt.currency) return null;
      const ind = child(d.node, "CdtDbtInd");
      const dir = ind === undefined ? direction : indicator(ctx, ind, `${d.path}/CdtDbtInd`);
      return { minor: m.minor, direction: dir };
    });
    if (amounts.every((a) => a !== null)) {
      const sum = amounts.reduce((acc, a) => acc + (a!.direction === "credit" ? a!.minor : -a!.minor), 0);
      if (sum === signedMinor) {
        const transactions = details.map((d, i) =>
          buildTransaction(
            ctx,
            entryInfo,
            [d],
            amounts[i]!.minor,
            amounts[i]!.direction,
            amt.currency,
            d.path,
            false,
          ),
        );
        return { transactions, signed: { minor: signedMinor, currency: amt.currency, booked } };
      }
      ctx.totals.mismatch(
        `${path}/NtryDtls`,
        `the TxDtls amounts sum to ${money(sum, amt.currency)} but the entry amount is ${money(signedMinor, amt.currency)}`,
      );
    }
  }
  const tx = buildTransaction(ctx, entryInfo, details, amt.minor, direction, amt.currency, path, true);
  return { transactions: [tx], signed: { minor: signedMinor, currency: amt.currency, booked } };
}

interface EntryInfo {
  date: string;
  valueDate: string | null;
  entry: unknown;
  path: string;
  reversal: boolean;
  booked: boolean;
  bankReference: string | null;
  /** The statement's own account (spaces removed, upper case), to tell the counterparty from ourselves. */
  ownAccount: string | null;
}

/** The one value all TxDtls agree on, else null (several payers in one booking have no one name). */
function agreed(values: (string | null)[]): string | null {
  const distinct = [...new Set(values.filter((v): v is string => v !== null))];
  return distinct.length === 1 ? distinct[0]! : null;
}

function buildTransaction(
  ctx: Ctx,
  info: EntryInfo,
  details: TxParts[],
  minor: number,
  direction: "credit" | "debit",
  currency: string,
  location: string,
  wholeEntry: boolean,
): DraftTransaction {
  const partyName = (party: unknown) => clean(textAt(party, "Pty", "Nm") ?? textAt(party, "Nm"));
  const names: (string | null)[] = [];
  const accounts: (string | null)[] = [];
  const references: (string | null)[] = [];
  const bankRefs: (string | null)[] = [];
  const remittance: (string | undefined)[] = [];
  const structured: (string | undefined)[] = [];
  const bookingText: (string | undefined)[] = [];
  let isReturn = info.reversal;
  let typeCode: string | null = null;
  let proprietary: string | null = null;
  let chargesMinor: number | null = null;
  let original: { amountMinor: number; currency: string } | null = null;
  const addCharges = (value: number | null) => {
    if (value !== null) chargesMinor = (chargesMinor ?? 0) + value;
  };

  for (const d of details) {
    // For a credit the counterparty is the debtor, for a debit the creditor. Returns and reversals are
    // reported by some banks with the original payment's parties: when the party in that role holds
    // the statement's own account, the other role is the counterparty.
    const parties = child(d.node, "RltdPties");
    const role = (r: "credit" | "debit") => {
      const party =
        r === "credit"
          ? (child(parties, "Dbtr") ?? child(parties, "UltmtDbtr"))
          : (child(parties, "Cdtr") ?? child(parties, "UltmtCdtr"));
      const account = accountId(child(parties, r === "credit" ? "DbtrAcct" : "CdtrAcct"));
      return { name: partyName(party), account };
    };
    const opposite = direction === "credit" ? "debit" : "credit";
    let party = role(direction);
    if (party.account !== null && party.account === info.ownAccount) {
      const other = role(opposite);
      party = other.account === info.ownAccount ? { name: null, account: null } : other;
    }
    names.push(party.name);
    accounts.push(party.account);
    references.push(cleanReference(textAt(d.node, "Refs", "EndToEndId")));
    bankRefs.push(cleanReference(textAt(d.node, "Refs", "AcctSvcrRef")));
    const rmt = child(d.node, "RmtInf");
    for (const u of list(isNode(rmt) ? rmt["Ustrd"] : undefined)) remittance.push(text(u));
    for (const s of list(isNode(rmt) ? rmt["Strd"] : undefined)) {
      // Schema order: referred documents (invoice numbers), then the creditor reference.
      for (const doc of list(isNode(s) ? s["RfrdDocInf"] : undefined)) {
        const nb = textAt(doc, "Nb");
        remittance.push(nb);
        structured.push(nb);
      }
      for (const ref of list(isNode(s) ? s["CdtrRefInf"] : undefined)) {
        const r = textAt(ref, "Ref");
        remittance.push(r);
        structured.push(r);
      }
      for (const add of list(isNode(s) ? s["AddtlRmtInf"] : undefined)) remittance.push(text(add));
    }
    bookingText.push(textAt(d.node, "AddtlTxInf"));
    if (child(d.node, "RtrInf") !== undefined) isReturn = true;
    const btc = bankTransactionCode(d.node);
    if (btc.domain) typeCode ??= btc.code;
    else proprietary ??= btc.code;
    if (btc.subFamily && RETURN_SUBFAMILIES.has(btc.subFamily)) isReturn = true;
    addCharges(charges(ctx, d.node, d.path, currency));
    const instructed = at(d.node, "AmtDtls", "InstdAmt", "Amt");
    if (instructed !== undefined && original === null) {
      const m = amount(ctx, instructed, `${d.path}/AmtDtls/InstdAmt/Amt`);
      original = { amountMinor: direction === "credit" ? m.minor : -m.minor, currency: m.currency };
    }
  }
  // An ISO domain/family/sub-family code (TxDtls', else the entry's) wins over a proprietary one.
  const entryCode = bankTransactionCode(info.entry);
  if (entryCode.domain) typeCode ??= entryCode.code;
  typeCode ??= proprietary ?? entryCode.code;
  if (entryCode.subFamily && RETURN_SUBFAMILIES.has(entryCode.subFamily)) isReturn = true;
  if (wholeEntry) {
    if (chargesMinor === null) addCharges(charges(ctx, info.entry, info.path, currency));
    const instructed = at(info.entry, "AmtDtls", "InstdAmt", "Amt");
    if (instructed !== undefined && original === null) {
      const m = amount(ctx, instructed, `${info.path}/AmtDtls/InstdAmt/Amt`);
      original = { amountMinor: direction === "credit" ? m.minor : -m.minor, currency: m.currency };
    }
  }
  bookingText.push(textAt(info.entry, "AddtlNtryInf"));
  return {
    date: info.date,
    valueDate: info.valueDate,
    amountMinor: direction === "credit" ? minor : -minor,
    currency,
    direction,
    isReturn,
    counterparty: agreed(names),
    counterpartyAccount: agreed(accounts),
    reference: agreed(references),
    bankReference: agreed(bankRefs) ?? info.bankReference,
    remittance: joinRemittance(remittance),
    structuredReferences: uniqueStrings(structured),
    typeCode: typeCode === "" ? null : typeCode,
    chargesMinor,
    original,
    bookingText: joinRemittance(bookingText),
    booked: info.booked,
    location,
  };
}

/** Charges of an entry or TxDtls, in minor units of the transaction currency; null when none stated. */
function charges(ctx: Ctx, node: unknown, path: string, currency: string): number | null {
  const nodes = list(isNode(node) ? node["Chrgs"] : undefined);
  if (nodes.length === 0) return null;
  let total = 0;
  nodes.forEach((c, i) => {
    const p = nodes.length === 1 ? `${path}/Chrgs` : `${path}/Chrgs[${i}]`;
    const add = (amtNode: unknown, where: string) => {
      const m = amount(ctx, amtNode, where);
      if (m.currency !== currency) {
        ctx.fail(where, `charges in ${m.currency} but the transaction is in ${currency}`);
      }
      total += m.minor;
    };
    const overall = child(c, "TtlChrgsAndTaxAmt");
    if (overall !== undefined) {
      add(overall, `${p}/TtlChrgsAndTaxAmt`);
      return;
    }
    const records = list(isNode(c) ? c["Rcrd"] : undefined);
    if (records.length > 0) {
      records.forEach((r, k) => {
        add(child(r, "Amt"), `${p}/Rcrd[${k}]/Amt`);
      });
      return;
    }
    if (child(c, "Amt") !== undefined) add(child(c, "Amt"), `${p}/Amt`);
  });
  return total;
}
