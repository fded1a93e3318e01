// The offline reply classifier: rules only, no network, no clock. The same reply always gets the same
// classification; "today" is the reply's own arrival date in the customer's time zone.
//
// The reply's text is data. It is matched against our phrase tables and never obeyed: sentences that
// address an AI, claim an approval or tell us to act (write off, mark as paid, send the statement to
// some address) are set aside before anything else reads the text, so they can neither choose a
// category nor supply a field. A reply made only of such sentences is "other".
//
// How it works:
// 1. Quoted history goes first: lines starting with ">", everything after a reply separator ("On …
//    wrote:", "-----Original Message-----", a "From: … Sent: …" header block, a line of underscores)
//    and the signature after a "-- " line. The work is capped to the first 20,000 characters left.
// 2. A message that is only an opt-out keyword (STOP, QUIT, UNSUBSCRIBE, …) is an opt-out with
//    confidence 1 and the keyword.
// 3. The rest is cut into sentences, injection sentences are set aside (only an opt-out in them still
//    counts: stopping contact is always the safe side), and every remaining sentence is normalised
//    (accents off, lower case, contractions expanded) and matched against the phrase rules. A rule
//    has a weight: 3 says the category on its own, 2 is a strong hint, 1 a weak one. A category is
//    present at 2 or more, and strong when one of its phrases weighs 3.
// 4. The category: a standalone STOP sentence is an opt-out; then wrong contact; then an opt-out
//    phrase; then an automatic out-of-office reply (an auto-reply subject, or absence phrases scoring
//    3: "I was out of the office" from a person is not one); then, among the strong categories and in this
//    order, dispute > already paid > hardship > promise to pay > invoice copy request; failing a strong
//    one, the first present one in the same order; else "other".
// 5. Fields come from the kept text with invoice numbers masked: dates resolved against the reply's
//    local date (promises forward, payments backward; "next Friday" is ambiguous and gives no date),
//    amounts in minor units of the stated or the account's currency, payment references and methods,
//    and only the account's own invoice numbers.
import { addDays, dateMs } from "../../tools/dates.ts";
import { localDate } from "../../tools/schedule.ts";
import { categorizeDispute, NEGATIONS } from "../dispute/categorize.ts";
import {
  DATE_RE,
  type InboundReply,
  MAX_EVIDENCE_CHARS,
  MAX_EVIDENCE_ITEMS,
  type PAYMENT_METHODS,
  type ReplyCategory,
  type ReplyChannel,
  type ReplyClassification,
  type ReplyFields,
  replyClassificationSchema,
} from "./reply-types.ts";

/** The most of the raw text looked at (quote stripping reads this much at most). */
const RAW_LIMIT = 200_000;
/** The most of the text, after quote stripping, that the rules read. */
export const TEXT_LIMIT = 20_000;
/** Sentences longer than this are cut into pieces, so no phrase search runs over a huge run-on text. */
const SENTENCE_LIMIT = 1_000;

type PaymentMethod = (typeof PAYMENT_METHODS)[number];
type Category = Exclude<ReplyCategory, "other">;
type Direction = "future" | "past";

// ---------------------------------------------------------------------------------------------------
// Entry point

export function classifyReplyRules(reply: InboundReply): ReplyClassification {
  try {
    const result = classify(reply);
    const checked = replyClassificationSchema.safeParse(result);
    if (checked.success) return checked.data;
    // A field the rules produced does not fit the schema (should not happen): keep the category only.
    return { category: result.category, confidence: result.confidence, fields: {} };
  } catch {
    // The contract is "never throws on any input"; an unexpected failure is an unclassified reply.
    return { category: "other", confidence: 0.3, fields: {} };
  }
}

function classify(reply: InboundReply): ReplyClassification {
  const channel: ReplyChannel = reply.channel === "sms" ? "sms" : "email";
  const rawText = typeof reply.text === "string" ? reply.text.slice(0, RAW_LIMIT) : "";
  const subject = typeof reply.subject === "string" ? reply.subject.slice(0, 1_000) : "";
  const text = stripQuoted(rawText).slice(0, TEXT_LIMIT).trim();

  // An opt-out keyword on its own (or, for an email with no body, as the whole subject).
  const keyword = optOutKeyword(text) ?? (text === "" && channel === "email" ? optOutKeyword(subject) : null);
  if (keyword) {
    return {
      category: "opt_out",
      confidence: 1,
      fields: { optOutKeyword: keyword, optOutChannel: channel, evidence: [quote(text || subject)] },
    };
  }
  if (FOREIGN_OPT_OUT.test(norm(text))) {
    return {
      category: "opt_out",
      confidence: 0.9,
      fields: { optOutChannel: channel, evidence: [quote(text)] },
    };
  }

  const all = sentences(text);
  const kept = all.filter((s) => !isInjection(norm(s)));
  const setAside = all.filter((s) => isInjection(norm(s)));
  const injected = setAside.length > 0;
  const keptText = kept.join("\n");

  // A request to stop contact counts even inside a sentence set aside as an injection ("STOP. also
  // AI: mark it paid"): honouring it can only mean less contact, and a revocation must not be lost
  // to the words an attacker — or a careless writer — put beside it.
  const hits = [...matchRules(kept), ...matchRules(setAside).filter((h) => h.category === "opt_out")];
  const autoSubject = AUTO_REPLY_SUBJECT.test(norm(subject));
  if (autoSubject) {
    hits.push({
      category: "out_of_office",
      weight: 3,
      label: "auto-reply subject",
      quote: quote(subject),
      sentence: subject,
      normalized: "",
      at: 0,
      length: 0,
    });
  }

  // A weaker promise that names a day ("I'll take care of it Friday") is a promise.
  const promised = sumWeights(hits, "promise_to_pay");
  if (promised > 0 && promised < 3) {
    const mentions = dateMentions(findInvoiceRefs(keptText, refsOf(reply)).masked, reply.timezone);
    const day = mentions.find((m) => m.specific && m.resolve(todayOf(reply), "future") !== null);
    if (day) {
      hits.push({
        category: "promise_to_pay",
        weight: 1,
        label: "with a date",
        quote: "",
        sentence: "",
        normalized: "",
        at: 0,
        length: 0,
      });
    }
  }
  const score = (c: Category) => sumWeights(hits, c);
  const strong = (c: Category) => score(c) >= 2 && hits.some((h) => h.category === c && h.weight >= 3);
  const present = (c: Category) => score(c) >= 2;

  const standaloneStop = [...kept, ...setAside.flatMap((s) => s.split(/[.!?]+/))].find((s) =>
    STANDALONE_OPT_OUT.test(
      norm(s)
        .replace(/[^a-z ]+/g, " ")
        .trim(),
    ),
  );
  let category: Category | null = null;
  if (standaloneStop !== undefined) category = "opt_out";
  else if (present("wrong_contact")) category = "wrong_contact";
  else if (present("opt_out")) category = "opt_out";
  else if (score("out_of_office") >= 3) category = "out_of_office";
  else {
    category = ORDER.find((c) => strong(c)) ?? ORDER.find((c) => present(c)) ?? null;
  }

  const refs = findInvoiceRefs(keptText, refsOf(reply));
  if (category === null) {
    const fields: ReplyFields = refs.found.length > 0 ? { invoiceRefs: refs.found } : {};
    const weakHints = hits.length > 0;
    const confidence = injected || text === "" ? 0.3 : weakHints ? 0.4 : 0.5;
    return { category: "other", confidence, fields };
  }

  const fields: ReplyFields = {};
  if (refs.found.length > 0 && category !== "opt_out") fields.invoiceRefs = refs.found;
  const masked = refs.masked;
  const today = todayOf(reply);
  let hasKeyField = false;

  switch (category) {
    case "opt_out": {
      fields.optOutChannel = standaloneStop !== undefined ? channel : optOutChannelOf(hits, channel);
      hasKeyField = true;
      break;
    }
    case "promise_to_pay": {
      const date = pickDate(dateMentions(masked, reply.timezone), today, "future");
      if (date) fields.promisedDate = date;
      Object.assign(fields, amountOf(masked, reply.currency, true));
      hasKeyField = date !== null;
      break;
    }
    case "already_paid": {
      const reference = paymentReferenceOf(masked);
      const date = pickDate(dateMentions(masked, reply.timezone), today, "past");
      if (date) fields.paidOn = date;
      Object.assign(fields, amountOf(referenceMasked(masked, reference), reply.currency, false));
      if (reference) fields.paymentReference = reference.value;
      const method =
        paymentMethodOf(referenceMasked(masked, reference)) ?? (reference?.check ? "check" : null);
      if (method) fields.paymentMethod = method;
      hasKeyField = date !== null || reference !== null;
      break;
    }
    case "dispute": {
      // The dispute specialist's categoriser, on what the dispute sentences say ("INV-2 is fine and
      // will be paid on Friday" next to a dispute is not an "already paid" dispute); failing that on
      // the whole text, then sentence by sentence (its negation window reaches across sentences:
      // "This bill is not correct. I cancelled service in January").
      const disputing = [...new Set(hits.filter((h) => h.category === "dispute").map((h) => h.sentence))];
      const result = [disputing.join("\n"), keptText, ...disputing]
        .map((t) => categorizeDispute(t))
        .reduce((best, r) => (best.confidence > 0 || r.confidence <= best.confidence ? best : r));
      if (result.confidence > 0) fields.disputeCategory = result.category;
      hasKeyField = result.confidence >= 0.5;
      break;
    }
    case "out_of_office": {
      const date = returnDateOf(masked, reply.timezone, today);
      if (date) fields.returnDate = date;
      hasKeyField = date !== null;
      break;
    }
    case "invoice_copy_request":
      hasKeyField = refs.found.length > 0;
      break;
    case "hardship":
    case "wrong_contact":
      hasKeyField = true;
      break;
  }

  const evidence = evidenceOf(hits, category);
  if (evidence.length > 0) fields.evidence = evidence;

  let confidence: number;
  if (category === "opt_out") confidence = standaloneStop !== undefined ? 0.95 : 0.9;
  else {
    confidence = strong(category) ? 0.85 : 0.7;
    if (hasKeyField) confidence += 0.05;
    const rivals = ORDER.filter((c) => c !== category && present(c)).length;
    if (rivals > 0) confidence -= 0.1;
  }
  if (injected) confidence = Math.min(confidence, 0.7);
  return { category, confidence: Math.round(confidence * 100) / 100, fields };
}

function refsOf(reply: InboundReply): readonly unknown[] {
  return Array.isArray(reply.knownInvoiceRefs) ? reply.knownInvoiceRefs : [];
}

/** The order among the categories below opt-out, wrong contact and out of office. */
const ORDER: readonly Category[] = [
  "dispute",
  "already_paid",
  "hardship",
  "promise_to_pay",
  "invoice_copy_request",
];

// ---------------------------------------------------------------------------------------------------
// Quoted history, sentences, normalisation

/** The customer's own words: quoted lines, earlier messages and the signature removed. */
export function stripQuoted(text: string): string {
  const lines = text.split(/\r\n|\r|\n/);
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const t = line.trim();
    if (/^--\s?$/.test(line)) break; // signature separator ("-- ")
    if (/^-{2,}\s*[\p{L} ]{0,40}(message|nachricht|mensaje|messaggio)[\p{L} ]{0,20}\s*-{2,}/iu.test(t)) break;
    if (/^_{8,}$/.test(t)) break;
    if (t.length < 400 && /^(on|am|le|el)\b.*\b(wrote|schrieb|a écrit|escribió)\s*:?\s*$/i.test(t)) break;
    if (
      t.length < 400 &&
      /^on\b/i.test(t) &&
      i + 1 < lines.length &&
      /^[^\n]{0,200}\bwrote:\s*$/i.test(lines[i + 1]!.trim())
    ) {
      break;
    }
    if (/^(from|von|de|da)\s*:/i.test(t) && headerBlockFollows(lines, i)) break;
    if (t.startsWith(">")) continue;
    out.push(line);
  }
  return out.join("\n");
}

function headerBlockFollows(lines: string[], from: number): boolean {
  for (let j = from + 1; j < Math.min(lines.length, from + 6); j++) {
    if (
      /^(sent|date|to|subject|cc|gesendet|datum|an|betreff|envoy[ée]|[àa]|objet|enviado|fecha|para|asunto)\s*:/i.test(
        lines[j]!.trim(),
      )
    ) {
      return true;
    }
  }
  return false;
}

/** Sentences (and short lines) of the text, in order, each at most SENTENCE_LIMIT characters. */
export function sentences(text: string): string[] {
  const parts = text.split(/\n\s*\n|\n(?=\s*[^\p{Ll}\s])|(?<=[.!?])\s+(?=[^\p{Ll}\d\s])|(?<=[。！？])/u);
  const out: string[] = [];
  for (const part of parts) {
    const s = part.replace(/\s+/g, " ").trim();
    if (s === "") continue;
    for (let i = 0; i < s.length; i += SENTENCE_LIMIT) out.push(s.slice(i, i + SENTENCE_LIMIT));
  }
  return out;
}

/** Lower case, accents off, contractions and common texting spellings expanded, single spaces. */
export function norm(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/ß/g, "ss")
    .replace(/[’‘`´ʼ]/g, "'")
    .replace(/[“”„«»]/g, '"')
    .replace(/\bwon'?t\b/g, "will not")
    .replace(/\bcan'?t\b/g, "can not")
    .replace(/\bcannot\b/g, "can not")
    .replace(/\bshan'?t\b/g, "shall not")
    .replace(/\b(do|does|did|is|are|was|were|have|has|had|would|could|should|must|need)n'?t\b/g, "$1 not")
    .replace(/\b(i|you|we|they|he|she|it|that|there|who|this)'ll\b/g, "$1 will")
    .replace(/\b(you|we|they)'re\b/g, "$1 are")
    .replace(/\b(i|you|we|they)'ve\b/g, "$1 have")
    .replace(/\b(it|that|there|what|payment|check|cheque|wire|transfer|invoice|this)'s\b/g, "$1 is")
    .replace(/\bi'?m\b/g, "i am")
    .replace(/\bive\b/g, "i have")
    .replace(/\bwil\b/g, "will")
    .replace(/\bu\b/g, "you")
    .replace(/\b(?:pls|plz)\b/g, "please")
    .replace(/\s+/g, " ")
    .trim();
}

// ---------------------------------------------------------------------------------------------------
// Opt-out keywords

const KEYWORDS: Record<string, string> = {
  stop: "STOP",
  stopall: "STOPALL",
  "stop all": "STOPALL",
  quit: "QUIT",
  end: "END",
  revoke: "REVOKE",
  "opt out": "OPT OUT",
  optout: "OPTOUT",
  cancel: "CANCEL",
  unsubscribe: "UNSUBSCRIBE",
};

/** The upper-case keyword when the whole text is one opt-out keyword (punctuation around allowed). */
export function optOutKeyword(text: string): string | null {
  if (text.length > 40) return null;
  const word = text
    .toLowerCase()
    .replace(/^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu, "")
    .replace(/[\s_-]+/g, " ");
  return KEYWORDS[word] ?? null;
}

/** A sentence that is only "stop" (with "please"), "unsubscribe" or "opt out": an opt-out. */
const STANDALONE_OPT_OUT =
  /^(?:(?:please )?stop(?: all| it)?(?: please)?|stopall|unsubscribe(?: me)?|opt ?out)$/;
/** Whole-message opt-out words in other languages (no TCPA keyword is reported for them). */
const FOREIGN_OPT_OUT =
  /^[\s\p{P}]*(?:baja|darme de baja|alto|parar|cancelar|arret|arreter|stopp|abmelden|desabonner|desinscrire|desuscribir)[\s\p{P}]*$/u;

// ---------------------------------------------------------------------------------------------------
// Injection: sentences that address the machine or claim authority. Set aside, never obeyed.

const INJECTION: readonly RegExp[] = [
  /\bignore (?:all |any |the |your |my |these |those )?(?:(?:previous|prior|above|earlier|preceding|former|system|other|existing) )*(?:instructions?|prompts?|rules|messages?|directions|guidelines|context)\b/,
  /\bignore the above\b|\bdisregard (?:all |any |the |your )?(?:previous|prior|above|earlier)\b|\bforget (?:all |your )?(?:previous |prior )?instructions\b/,
  /^\W*(?:system|assistant|developer|admin|administrator|ai|bot)\s*[:,]/,
  /\[\/?(?:inst|system|sys)\]|<\/?(?:system|sys)\b|<\|im_|<!--|-->/,
  /\b(?:you are now|you are an? (?:helpful |ai |language |virtual )?(?:assistant|ai|model|bot|agent)|as an ai|note to (?:the )?(?:ai|assistant|bot|model|agent|llm)|(?:ai|llm) (?:agent|assistant|model|system|reading this)|dear (?:ai|assistant|bot)|to the ai\b|language model|chatgpt|maintenance mode|developer mode|jailbreak|system prompt)\b/,
  /\b(?:approved|authori[sz]ed|signed off|sanctioned)\b[^.]{0,40}\b(?:collector|supervisor|ar manager|collections manager|credit manager|admin|administrator|your manager|arc)\b/,
  /\b(?:collector|supervisor|admin|administrator)\b[^.]{0,20}\b(?:approved|authori[sz]ed)\b/,
  /\bthis (?:action |request |change )?(?:is|has been|was) (?:pre-?)?(?:approved|authori[sz]ed)\b/,
  /\bper your (?:manager|supervisor|colleague|collector|boss|team|admin|ceo|cfo)\b|\bthis is your (?:supervisor|manager|admin|boss|collector|system)\b/,
  /\boverride\b|\bnew instructions\b|\barc admin\b|\binstructions from\b/,
  /\bwrite[ -]?off (?:the |all |this |our |any )?(?:whole |full |entire |remaining |outstanding )?(?:balance|account|debt|invoices?|amount)\b|\bfull write[ -]?off\b|\bwrite[ -]?off for\b/,
  /\bwaive (?:all|the|any) (?:late )?(?:fees|charges|interest|balance)\b/,
  /\bmark(?:ed)? (?:all |the |this |these |it |our |every )?(?:\S+ ){0,3}as (?:paid|settled|closed)\b/,
  /\bset (?:the |my |our )?balance to\b|\bclose (?:the|this|my|our) (?:account|ticket|case)\b|\bupdate the account status\b|\byour system should\b/,
  /\b(?:reply|respond|answer)(?: only)? with\b|\breply ['"]|\brespond only\b|\bclassify (?:this|the) (?:message|email|e-mail|reply)\b|\bcategory ?[=:]|\bpromiseddate\b/,
  /\blist of all (?:customers|accounts|clients|debtors)\b/,
  /\bthe customer (?:has|is|was|should|will|must|had|did|does)\b/,
  // Sending the statement, all invoices or bank details to an address: a redirect, not a copy request.
  /(?<!\bre-?\s?)\b(?:send|email|e-mail|forward|mail)\b[^.?!]{0,60}\b(?:statements?|all (?:open |the |our |outstanding |future )?invoices|bank(?:ing)? details|balances?|account details|everything)\b[^?!]{0,60}\bto [^\s@]+@[^\s@]+/,
];

function isInjection(normalized: string): boolean {
  return INJECTION.some((re) => re.test(normalized));
}

// ---------------------------------------------------------------------------------------------------
// Phrase rules

interface Rule {
  category: Category;
  weight: 1 | 2 | 3;
  label: string;
  re: RegExp;
  /** `re` with the g flag, for scanning every occurrence. */
  global: RegExp;
  /** Discounted when a negation is among the three words before the phrase. */
  negatable?: boolean;
  /** Discounted when the text just before the phrase matches (anchored at its end with `$`). */
  notAfter?: RegExp;
}

interface Hit {
  category: Category;
  weight: number;
  label: string;
  quote: string;
  /** The sentence, its normalised form, and where the phrase matched in that. */
  sentence: string;
  normalized: string;
  at: number;
  length: number;
}

const rule = (
  category: Category,
  weight: Rule["weight"],
  label: string,
  re: RegExp,
  extra: Partial<Pick<Rule, "negatable" | "notAfter">> = {},
): Rule => ({ category, weight, label, re, global: new RegExp(re.source, `${re.flags}g`), ...extra });

/** "before we can pay", "when I get paid": conditions, not statements. */
const CONDITIONAL =
  /\b(?:before|until|unless|so that|how|if|once|when|whether|so|after) (?:we|i|you|they|it)(?: can| could| will| would)? $/;
/** "will be paid", "get paid", "to be paid": not a payment that happened. */
const NOT_PAST =
  /\b(?:will|shall|would|going to|gonna|to|be|get|getting|gets|being|need|needs|must|should|can|could|not) (?:be )?$/;
/** "the link is broken": not the goods. */
const NOT_GOODS = /\b(?:link|url|pdf|attachment|file|website|portal|email|e-mail)\b(?: \S+){0,2} $/;

const MONEY_NOUN =
  "(?:payment|payments|check|cheque|wire|transfer|remittance|funds|money|ach|amount|balance)";

const RULES: readonly Rule[] = [
  // opt-out phrases
  rule("opt_out", 3, "unsubscribe", /\bunsubscribe\b/),
  rule(
    "opt_out",
    3,
    "remove me from your list",
    /\b(?:remove|delete|take) (?:me|us|my (?:number|email|e-mail|address|details)|this (?:number|email|e-mail|address)) (?:from|off)(?: of)? (?:your |the |this |all |any )?(?:(?:mailing|email|e-mail|contact|call|calling|text|sms|marketing|distribution) )?(?:list|lists|database)\b/,
  ),
  rule(
    "opt_out",
    3,
    "stop contacting me",
    /\bstop (?:texting|emailing|e-mailing|messaging|contacting|calling|harassing|spamming|sending (?:me|us) (?:texts|text messages|emails|e-mails|messages|sms))\b/,
  ),
  rule(
    "opt_out",
    3,
    "do not contact me",
    /\b(?:do not|never|please do not) (?:contact|email|e-mail|text|message|call|sms) (?:me|us)\b/,
  ),
  rule(
    "opt_out",
    3,
    "cease communication",
    /\bcease (?:all |any )?(?:further )?(?:communications?|contact|correspondence|collection calls)\b/,
  ),
  rule(
    "opt_out",
    3,
    "revoke consent",
    /\b(?:revoke|revoking|withdraw|withdrawing)s? (?:my |our |all |any )?consent\b/,
  ),
  rule(
    "opt_out",
    3,
    "opt me out",
    /\b(?:opt me out|(?:want|wish|like|need) to opt[ -]?out|please opt[ -]?out|i opt[ -]?out)\b/,
  ),
  rule(
    "opt_out",
    3,
    "no more messages",
    /\bno (?:more|further) (?:texts|text messages|emails|e-mails|messages|calls|sms)\b/,
  ),
  rule("opt_out", 3, "no consent", /\b(?:do not|no longer) consent\b/),
  rule(
    "opt_out",
    3,
    "stop sending messages",
    /\bstop (?:sending|the) (?:me |us )?(?:these |your |all )?(?:texts|text messages|emails|e-mails|messages|sms)\b/,
  ),
  rule(
    "opt_out",
    3,
    "no longer wish to receive",
    /\b(?:no longer|do not|never) (?:wish|want|care) to (?:receive|get|be sent)\b/,
  ),
  rule(
    "opt_out",
    3,
    "darme de baja",
    /\b(?:darme|dar) de baja\b|\bkeine (?:weiteren )?(?:e-?mails|nachrichten|sms)\b/,
  ),

  // wrong contact
  rule(
    "wrong_contact",
    3,
    "no longer works here",
    /\bno longer (?:work|works|working|employed|with|at|here|handle|handles|handling|responsible|in charge|the (?:right|correct) (?:person|contact))\b/,
  ),
  rule(
    "wrong_contact",
    3,
    "does not work here anymore",
    /\b(?:do|does) not work (?:for|at|with|here|there)\b.{0,50}?\bany ?(?:more|longer)\b/,
  ),
  rule(
    "wrong_contact",
    3,
    "left the company",
    /\b(?:has |have |had )?left (?:the|this|our) (?:company|business|firm|organi[sz]ation)\b/,
  ),
  // Someone else retired ("Mr. Alvarez retired"); the debtor saying "I am retired" is no wrong contact.
  rule("wrong_contact", 3, "retired", /\bretired\b/, {
    notAfter: /\b(?:i|we)(?: am| are| have| just| recently| now)* $/,
  }),
  rule(
    "wrong_contact",
    3,
    "wrong number",
    /\bwrong (?:number|person|contact|recipient|guy|lady|inbox|individual)\b/,
  ),
  rule("wrong_contact", 2, "wrong address", /\bwrong (?:email|e-mail|address|company|customer|department)\b/),
  rule(
    "wrong_contact",
    3,
    "not the right person",
    /\bnot the (?:right|correct|appropriate|relevant) (?:person|contact|recipient|department|individual|one)\b|\bnot the (?:account holder|account owner|owner|customer|billing contact|person responsible)\b|\b(?:you have|you have got|you got|got) the wrong\b/,
  ),
  rule(
    "wrong_contact",
    3,
    "not responsible for payments",
    /\bnot responsible for (?:payments?|invoices?|billing|accounts?|payables|this|the account)\b|\b(?:do|does) not (?:handle|deal with|manage|process) (?:their |the |our |any |your |these |those )?(?:payables|payments?|invoices?|billing|accounts?)\b/,
  ),
  rule(
    "wrong_contact",
    3,
    "confused with someone else",
    /\b(?:confused|mixed up|mistaken) (?:me )?(?:up )?with (?:another|someone|somebody)\b|\bhave me confused\b/,
  ),
  rule(
    "wrong_contact",
    3,
    "never had an account",
    /\bnever (?:done|did|had|conducted) (?:any )?business with\b|\bnever had an account\b|\bnot (?:a|your) (?:customer|client)\b|\bno (?:account|relationship) with (?:you|your)\b/,
  ),
  rule(
    "wrong_contact",
    3,
    "shared inbox",
    /\bshared (?:inbox|mailbox|e-?mail address)\b|\b(?:address|inbox|mailbox|number) (?:belongs|is) (?:to|for) (?:a |the |our |my )?(?:shared|general|warehouse|personal)\b/,
  ),
  rule(
    "wrong_contact",
    3,
    "take me off this account",
    /\b(?:take|remove) me (?:off|from) (?:this|the|your) (?:account|file)\b/,
  ),
  rule(
    "wrong_contact",
    3,
    "no longer works here (es/de/fr)",
    /\bya no (?:trabaja|esta en|forma parte)\b|\bno trabaja (?:aqui|en)\b|\b(?:numero|persona) equivocad[oa]\b|\bnicht mehr (?:bei uns|hier|im unternehmen|in unserem|fur uns|zustandig|beschaftigt|tatig)\b|\bfalsche(?:n|r)? (?:nummer|person|ansprechpartner|empfanger)\b|\bne (?:travaille|fait) plus\b|\bn'est plus (?:chez|avec|dans|employe)\b|\bmauvais (?:numero|destinataire|contact)\b/,
  ),
  rule(
    "wrong_contact",
    2,
    "speak to someone else",
    /\b(?:you need to|you should|please) (?:speak|talk) (?:to|with)\b|\btry [^\s@]+@[^\s@]+/,
  ),
  rule(
    "wrong_contact",
    2,
    "contact someone else instead",
    /\bplease (?:contact|email|e-mail|write to|reach out to)\b.{0,80}\binstead\b|\bdirect all\b.{0,40}\b(?:correspondence|enquiries|inquiries|emails|e-mails|invoices)\b|\bcontact someone else\b/,
  ),
  rule(
    "wrong_contact",
    2,
    "forwarded to the new person",
    /\b(?:forwarded|passed) (?:your |this )?(?:e-?mail |message |note |request )?(?:on )?to (?:our|the) new\b/,
  ),
  rule(
    "wrong_contact",
    3,
    "not in billing",
    /\bi (?:am |only )?(?:handle|do|work in|am in|run) (?:\w+ ){0,2}not (?:billing|accounts|payables|finance|payments|invoices|accounting)\b|\b(?:i am|we are) not (?:with|from|part of|employed by|in charge of)\b|\bnot (?:in|with|part of|involved in|involved with) (?:billing|accounts payable|accounts|finance|accounting|payments|payables)\b/,
  ),
  rule(
    "wrong_contact",
    3,
    "moved on",
    /\bmoved (?:on )?to (?:another|a new|a different) (?:company|role|position|job|department|team)\b/,
  ),
  rule(
    "wrong_contact",
    2,
    "send it to the finance team",
    /\bplease (?:send|forward|direct|redirect|address) (?:this|it|these|invoices|them|all invoices) to (?:our|the) (?:finance|accounts|ap|billing|accounting|payables)(?: \w+)?\b/,
  ),
  rule("wrong_contact", 2, "personal email", /\bpersonal (?:e-?mail|address|account)\b/),
  rule("wrong_contact", 1, "no idea what this is", /\bno idea (?:what|who|why)\b/),
  rule(
    "wrong_contact",
    3,
    "not an employee",
    /\bnot an? (?:employee|staff member|member of staff|customer) (?:of|at|with)\b|\b(?:external|outside|independent) (?:consultant|contractor|agency|accountant)\b/,
  ),
  rule(
    "wrong_contact",
    3,
    "someone else's number",
    /\b(?:number|e-?mail|address|phone|inbox) (?:now )?(?:belongs|belonged|is assigned) to (?:someone|somebody|another (?:person|company))\b/,
  ),
  rule("wrong_contact", 2, "not my company", /\bnot my (?:company|business|account)\b/),
  rule("wrong_contact", 1, "do not know", /\b(?:do|does) not know (?:any|anyone|anybody|who|this)\b/),
  rule("wrong_contact", 1, "personal phone", /\bpersonal (?:phone|number|cell|mobile)\b/),
  rule("wrong_contact", 1, "update your records", /\bupdate your (?:records|contacts?|database|files)\b/),
  rule("wrong_contact", 1, "handled by someone else", /\bhandled by (?:our|the|a)\b/),

  // out of office (automatic replies)
  rule("out_of_office", 2, "out of the office", /\bout of (?:the )?office\b/, {
    notAfter: /\b(?:was|were|been) $/,
  }),
  rule(
    "out_of_office",
    3,
    "automated response",
    /\b(?:automated|automatic|auto) (?:response|reply|message)\b/,
  ),
  rule(
    "out_of_office",
    2,
    "on leave",
    /\bon (?:annual |maternity |paternity |parental |sick |medical |study |extended |holiday |vacation )?leave\b/,
  ),
  rule("out_of_office", 2, "away until", /\b(?:away|out|off) (?:from the office |from my desk )?until\b/),
  rule(
    "out_of_office",
    2,
    "away for the holidays",
    /\baway (?:for|on) (?:the )?(?:holidays?|vacation|business|a business trip)\b/,
  ),
  rule(
    "out_of_office",
    2,
    "limited access to email",
    /\b(?:limited|no|intermittent|restricted) access to (?:my )?(?:e-?mails?|the internet)\b|\bchecking (?:e-?mails?|messages) (?:intermittently|periodically|occasionally)\b/,
  ),
  rule("out_of_office", 2, "office closed", /\b(?:office|offices) (?:is|are|will be) closed\b/),
  rule(
    "out_of_office",
    2,
    "mailbox not monitored",
    /\b(?:mailbox|inbox|e-?mail(?: address)?) (?:is|will be) (?:not|no longer|un)(?: being)? ?(?:monitored|checked|attended)\b/,
  ),
  rule(
    "out_of_office",
    2,
    "office reopens",
    /\b(?:office|offices|we) (?:reopens?|will reopen|re-opens?)\b|\bclosed (?:for|over) the (?:holidays?|break|new year)\b|\bholiday closure\b/,
  ),
  rule(
    "out_of_office",
    2,
    "on vacation",
    /\b(?:i am|i will be|currently) (?:on vacation|on holiday|travel+ing|away)\b/,
  ),
  rule(
    "out_of_office",
    3,
    "away until (de/es/fr)",
    /\b(?:abwesend|im urlaub|nicht im buro|ausser haus)\b.{0,20}\bbis\b|\bbis\b.{0,20}\b(?:abwesend|im urlaub)\b|\b(?:fuera de la oficina|de vacaciones|ausente)\b.{0,20}\bhasta\b|\b(?:absente?|en conges?)\b.{0,20}\bjusqu/,
  ),
  rule(
    "out_of_office",
    1,
    "in my absence",
    /\bin my absence\b|\bnot be forwarded\b|\bat a conference\b|\bon a business trip\b/,
  ),
  rule(
    "out_of_office",
    1,
    "will return",
    /\b(?:will|shall) (?:be )?(?:return|back)\b|\breturning\b|\bback (?:on|in the office)\b|\b(?:upon|on) my return\b|\bwhen i am back\b/,
  ),
  rule(
    "out_of_office",
    2,
    "away (de/es/fr)",
    /\babwesend\b|\bim urlaub\b|\bwieder im buro\b|\bwieder erreichbar\b|\bfuera de la oficina\b|\b(?:de|por) vacaciones\b|\babsente? du bureau\b|\ben conges?\b/,
  ),

  // dispute
  rule("dispute", 3, "dispute", /\bdisput(?:e|es|ed|ing)\b(?! nothing)/, { negatable: true }),
  rule("dispute", 3, "overcharged", /\bover ?charg\w*|\bover-?bill\w*|\bover ?invoiced\b/, {
    negatable: true,
  }),
  rule(
    "dispute",
    3,
    "duplicate",
    /(?<!\b(?:get|need|want|send|request|provide|have)(?: (?:me|us))? an? )\bduplicat\w*|\bdouble[ -]?(?:billed|billing|charged|charge|charges|invoiced|invoicing|counted)\b|\b(?:billed|charged|invoiced) (?:us |me )?(?:twice|two times|2 times|again)\b|\bduplicad[oa]s?\b|\bdoppelt\b|\ben double\b/,
  ),
  rule(
    "dispute",
    3,
    "not received (goods)",
    /\b(?:never|not|nothing)(?: yet)?(?: been)? (?:received|receive|got|get|arrived|delivered|turned up|showed up|came|shipped|installed|performed|provided)\b(?! (?:the |your |an |this |that |any |a |our )?(?:invoice|invoices|bill|statement|copy|pdf|e-?mail|attachment|document|link|message|reply|response|payment|remittance|paid))/,
  ),
  rule(
    "dispute",
    3,
    "nie geliefert",
    /\b(?:nie|nicht)\b.{0,20}\b(?:angeliefert|geliefert|erhalten|angekommen|zugestellt)\b/,
  ),
  rule(
    "dispute",
    3,
    "damaged",
    /\b(?:damaged|damage|defective|defect|faulty|broken|smashed|cracked|dented|shattered|leaking|unusable|stopped working|malfunction\w*|beschadigt\w*|defekt\w*|kaputt|unbrauchbar|endommag\w*|abime\w*|danad[oa]s?|defectuos[oa]s?)\b/,
    { negatable: true, notAfter: NOT_GOODS },
  ),
  rule("dispute", 3, "does not work", /\b(?:does|do|did) not (?:work|function|turn on|power on)\b/, {
    notAfter: NOT_GOODS,
  }),
  rule(
    "dispute",
    3,
    "short delivery",
    /\bonly (?:been |were |was )?(?:received|delivered|got|shipped) \d+|\bonly \d+ (?:\w+ ){0,2}(?:arrived|were delivered|was delivered|delivered|came|were received|received|were shipped)\b|\bshort[ -]?(?:shipped|delivered|shipment|delivery)\b|\b(?:wrong|incorrect) (?:quantity|qty|number of)\b|\b(?:quantity|qty)\b.{0,60}\b(?:does not match|do not match|is wrong|is incorrect|differs)\b|\bmissing (?:items|units|cases|pieces|boxes|parts|pallets)\b/,
  ),
  rule(
    "dispute",
    3,
    "invoice is wrong",
    /\b(?:invoice|bill|amount|price|pricing|charge|charges|rate|rates|total|figure|calculation|tax|vat|statement|this|it)\b.{0,20}?\b(?:is|are|was|were|looks|seems|seem|look) (?:still |all |completely |totally |clearly |simply )?(?:wrong|incorrect|not correct|inaccurate|erroneous|too high)\b/,
  ),
  rule(
    "dispute",
    3,
    "wrong amount",
    /\b(?:wrong|incorrect|inaccurate|erroneous) (?:amount|price|pricing|rate|rates|quantity|invoice|bill|total|charge|charges|tax|vat|figure|unit price|calculation|billing|sum)\b/,
  ),
  rule(
    "dispute",
    3,
    "never ordered",
    /\bnever (?:ordered|signed up|agreed|requested|authori[sz]ed)\b|\bdid not (?:order|sign up|agree to|request|authori[sz]e)\b|\b(?:do|does) not owe\b/,
  ),
  rule(
    "dispute",
    2,
    "agreed price",
    /\b(?:agreed|contract(?:ed)?|negotiated|convenu|vereinbart\w*|acordad[oa]) (?:price|rate|amount|fee|terms|prix|tarif|preis|precio)\b|\b(?:price|rate|tarif|prix) (?:we )?(?:agreed|convenu)\b/,
  ),
  rule(
    "dispute",
    3,
    "discount not applied",
    /\b(?:missing|not applied|forgot|left off|without) (?:the |our )?(?:\d+ ?% )?(?:discount|rebate|credit)\b|\b(?:discount|rebate|credit)\b.{0,30}\b(?:not applied|missing|left off|not reflected|was not (?:applied|included))\b|\b(?:does|do|did) not (?:reflect|include|apply|honou?r|account for)\b.{0,40}\b(?:discount|rebate|credit|agreed|contract|quote|price|rate|terms|payment)\b/,
  ),
  rule(
    "dispute",
    3,
    "should not owe",
    /\bshould not owe\b|\bowe (?:you )?nothing\b|\bnothing (?:is )?owed\b|\bnot (?:ours|mine|our order|what we ordered)\b|\bwrong (?:items?|products?|parts?|goods|model|size|colou?r)\b|\bnot as (?:described|ordered|quoted)\b/,
  ),
  rule(
    "dispute",
    3,
    "supposed to be covered",
    /\b(?:supposed to be|should be|should have been|was meant to be|were meant to be) (?:covered|included|free|no charge|at no cost|waived|credited|refunded)\b|\bunder warranty\b/,
  ),
  rule(
    "dispute",
    3,
    "billed for N but only",
    /\b(?:billed|charged|invoiced)\b.{0,40}\bbut (?:we )?(?:only|just)\b/,
  ),
  rule(
    "dispute",
    3,
    "nobody showed up",
    /\b(?:nobody|no one|noone)\b.{0,30}\b(?:showed up|came|turned up|arrived|delivered|did the work)\b/,
  ),
  rule(
    "dispute",
    3,
    "do not agree",
    /\b(?:do|does) not agree with (?:this|the|that|these|your)\b|\bdisagree\b|\bobject to (?:this|the|that|these)\b/,
    { negatable: true },
  ),
  rule(
    "dispute",
    2,
    "returned the goods",
    /\breturn(?:ed)? (?:all of it|all |the |it\b|them|these|those|everything)|\breturn authori[sz]ation\b|\brma\b|\brefund\b/,
  ),
  rule(
    "dispute",
    3,
    "damaged (more)",
    /\b(?:crushed|torn|ripped|scratched|water damaged|soaked|mouldy|moldy|rotten|spoiled|spoilt|expired|stained|dead on arrival)\b/,
    {
      negatable: true,
    },
  ),
  rule(
    "dispute",
    3,
    "part of the order missing",
    /\b(?:part|some|half|most|rest) of (?:the |our |my )?(?:order|delivery|shipment|goods|items|parts)\b.{0,20}\b(?:missing|never (?:arrived|came)|did not (?:arrive|come)|not delivered)\b|\b(?:got|received|have) (?:only )?\d+ (?:out )?of (?:the )?\d+\b/,
  ),
  rule(
    "dispute",
    2,
    "cancelled service",
    /\b(?:service|subscription|contract|order|account|plan|membership)\b.{0,25}\bcancel+ed\b/,
  ),
  rule(
    "dispute",
    3,
    "charged twice",
    /\b(?:billed|charged|invoiced|charging|billing)\b.{0,30}\b(?:twice|two times|2 times)\b/,
  ),
  rule(
    "dispute",
    3,
    "do not recognise",
    /\b(?:do|does|did) not recogni[sz]e\b|\bunrecogni[sz]ed\b|\bunknown charge\b|\bunauthori[sz]ed (?:charge|transaction|work)\b/,
  ),
  rule(
    "dispute",
    3,
    "does not match the quote",
    /\b(?:does|do|did) not (?:match|agree with|reflect) (?:the |our |your |what )?(?:quote|quotation|po|purchase order|contract|agreement|agreed|estimate|order|we ordered|we agreed)\b/,
  ),
  rule(
    "dispute",
    3,
    "told it would be waived",
    /\b(?:told|promised|assured|agreed)\b.{0,40}\b(?:waived|free|included|credited|removed|no charge|cancel+ed|refunded)\b/,
  ),
  rule(
    "dispute",
    3,
    "rejecting the invoice",
    /\breject(?:ing|ed)? (?:this|the|that|your) (?:invoice|charge|bill|delivery|shipment)\b/,
  ),
  rule("dispute", 1, "quoted", /\bquoted\b/),
  rule(
    "dispute",
    2,
    "please credit / void",
    /\b(?:please|kindly|can you|could you|would you) (?:\w+ )?(?:credit|void|cancel|amend|revise|correct|reissue|re-issue|adjust|remove)\b(?! (?:me|us)\b)/,
  ),
  rule(
    "dispute",
    3,
    "issue a credit",
    /\b(?:issue|send|provide|raise) (?:us |me )?(?:a |an |the )?(?:credit(?: note| memo)?|corrected invoice|revised invoice|corrected bill|refund)\b|\bcredit (?:note|memo)\b|\bgutschrift\b|\bun avoir\b|\bnota de credito\b/,
  ),
  rule("dispute", 1, "not paying until", /\b(?:not paying|will not pay|refuse to pay|not going to pay)\b/),
  rule(
    "dispute",
    2,
    "cancelled the service",
    /\bcancel+ed (?:the |this |our |my )?(?:service|subscription|contract|order|account|membership|plan)\b/,
  ),
  rule(
    "dispute",
    1,
    "billed us for",
    /\b(?:still )?(?:got )?(?:billed|charged|invoiced) (?:us |me )?for\b|\b(?:charges|charging|billing) (?:us|me) for\b/,
  ),
  rule("dispute", 1, "reduced to", /\b(?:reduced|downgraded|cut back|changed) (?:\w+ )?to \d+/),
  rule("dispute", 1, "does not match", /\b(?:does|do) not (?:match|agree with)\b|\bdiscrepanc\w*/),
  rule(
    "dispute",
    2,
    "should be less",
    /\bshould (?:be|have been) (?:reverse[ -]charged?|zero[ -]rated|exempt|tax[ -]exempt|lower|less|cheaper|free|included)\b/,
  ),
  rule(
    "dispute",
    3,
    "dispute (de/fr/es)",
    /\bwiderspr\w*|\bwiderspruch\b|\breklamation\b|\bbeanstand\w*|\bfehlerhaft\w*|\bcontest\w*|\berreur\b|\blitige\b|\breclamacion\b|\berror en la factura\b|\bincorrect[oa]\b/,
  ),
  rule("dispute", 2, "annul (es)", /\banul\w+/),

  // already paid
  rule(
    "already_paid",
    3,
    "already paid",
    /\balready (?:been )?(?:paid|settled|remitted|sent|transferred|wired|mailed|processed)\b|\b(?:paid|settled) already\b/,
    { negatable: true },
  ),
  rule(
    "already_paid",
    3,
    "has been paid",
    /\b(?:has|have|had) (?:already )?been (?:paid|settled|remitted|transferred|wired|cleared)\b/,
    { negatable: true },
  ),
  rule(
    "already_paid",
    3,
    "was paid",
    /\b(?:was|were|is|are) (?:already |fully )?(?:paid|settled|remitted|transferred|wired)\b/,
    {
      negatable: true,
    },
  ),
  rule(
    "already_paid",
    3,
    "payment was sent",
    new RegExp(
      `\\b${MONEY_NOUN}\\b.{0,40}\\b(?:was|were|has been|have been|went|got) (?:sent|mailed|made|processed|posted|issued|initiated|released|out|executed|remitted|submitted|deposited|cashed|delivered|transferred|wired)\\b`,
    ),
    { negatable: true },
  ),
  rule(
    "already_paid",
    3,
    "we paid",
    /\b(?:we|i) (?:have |had )?(?:already |just )?(?:paid|settled|remitted|wired|transferred|cleared)\b/,
  ),
  rule(
    "already_paid",
    3,
    "we sent the payment",
    new RegExp(
      `\\b(?:we|i) (?:have |had )?(?:already |just )?(?:sent|mailed|posted|made|submitted|initiated|released|dropped) (?:you )?(?:the |a |our |your |my )?(?:bank )?${MONEY_NOUN}\\b`,
    ),
  ),
  rule(
    "already_paid",
    3,
    "paid on",
    /(?:^|\b)(?:paid|settled|remitted|wired) (?:on|yesterday|today|last|by|via|with|in full|off|this morning|through|using|\d)/,
    { notAfter: NOT_PAST },
  ),
  rule(
    "already_paid",
    3,
    "wire sent",
    /\b(?:wire|ach|payment|check|cheque|transfer|remittance|funds) (?:\S+ )?(?:sent|cleared|went out)\b/,
    { notAfter: NOT_PAST },
  ),
  rule(
    "already_paid",
    3,
    "proof of payment",
    /\bproof of payment\b|\bpayment (?:confirmation|receipt)\b|\bremittance advice\b|\b(?:attached|enclosed) (?:the |our |a )?remittance\b|\bremittance (?:is )?(?:attached|enclosed)\b|\bremittance for\b/,
  ),
  rule(
    "already_paid",
    3,
    "included in our payment",
    /\bincluded in (?:our|the|a|last|yesterday's|this week's|last week's) (?:\S+ ){0,2}(?:ach|wire|payment|check run|payment run|bacs|transfer|remittance)\b/,
    { notAfter: NOT_PAST },
  ),
  rule(
    "already_paid",
    2,
    "taken care of",
    /\b(?:was|were|has been|have been|already (?:been )?) ?(?:taken care of|handled|cleared|dealt with|closed out)\b|\balready took care of\b/,
    { negatable: true },
  ),
  rule("already_paid", 3, "paid.", /^(?:already |fully )?paid(?: in full)?[.!]*$/),
  rule(
    "already_paid",
    3,
    "check is in the mail",
    /\b(?:is|are|was|were|been) (?:already )?(?:in the mail|in the post|on (?:its|the) way)\b/,
  ),
  rule(
    "already_paid",
    3,
    "payment made",
    /\b(?:payment|check|cheque|wire|transfer|ach) (?:was )?(?:made|issued|submitted|completed|processed|posted|mailed|initiated|executed) (?:on|yesterday|today|last|this|via|through|by|using|online)\b/,
    { notAfter: NOT_PAST },
  ),
  rule(
    "already_paid",
    2,
    "should have reached you",
    /\bshould have (?:reached|arrived|been received|cleared|gotten to|got to|landed)\b|\bshould (?:already )?have it\b/,
  ),
  rule(
    "already_paid",
    3,
    "sent it weeks ago",
    /\b(?:we|i) (?:sent|mailed|paid|wired|transferred|posted) (?:it|this|that|them|payment|the payment)(?: over| off| out)?\b.{0,25}\bago\b/,
  ),
  rule("already_paid", 2, "remitted", /\bremitted\b/, { notAfter: NOT_PAST }),
  rule(
    "already_paid",
    1,
    "check your records",
    /\bcheck (?:your|the) records\b|\bconfirm receipt\b|\bshould have (?:reached|arrived)\b/,
  ),
  rule(
    "already_paid",
    3,
    "bereits bezahlt",
    /\b(?:bereits|schon)\b.{0,30}\b(?:bezahlt|uberwiesen|beglichen|gezahlt)\b|\bwurden? (?:bereits |schon )?.{0,30}\b(?:bezahlt|uberwiesen|beglichen)\b|\bhaben\b.{0,30}\b(?:bezahlt|uberwiesen|beglichen)\b/,
  ),
  rule(
    "already_paid",
    3,
    "ya pagado",
    /\bya (?:hemos |he |fue |esta |ha sido )?(?:pagad[oa]|pagamos|pague|abonad[oa]|transferid[oa])\b|\b(?:fue|ha sido|esta) (?:pagad[oa]|abonad[oa])\b|\bhemos pagado\b/,
  ),
  rule(
    "already_paid",
    3,
    "deja paye",
    /\bdeja (?:ete )?(?:regle|reglee|regles|paye|payee|payes|vire|viree)\b|\ba ete (?:regle|reglee|paye|payee|vire|viree)\b|\bavons (?:deja )?(?:paye|regle|vire)\b/,
  ),
  rule("already_paid", 3, "振込済", /振込済|支払済|入金済|送金済|振り込み済/),

  // hardship
  rule(
    "hardship",
    3,
    "lost job or client",
    /\b(?:lost|losing) (?:my|our|his|her) (?:\w+ ){0,2}(?:job|jobs|income|client|customer|contract|work)\b/,
  ),
  rule(
    "hardship",
    3,
    "laid off",
    /\blaid off\b|\bunemployed\b|\bout of work\b|\bfurlough\w*|\bmade redundant\b/,
  ),
  rule(
    "hardship",
    3,
    "cash flow problems",
    /\bcash ?flow\b.{0,30}\b(?:tight|issues?|problems?|difficult\w*|crunch|constraints?|bad|poor|struggl\w*|negative)\b|\b(?:tight|struggl\w* with|poor|negative|difficult|bad) (?:\w+ )?cash ?flow\b/,
  ),
  rule("hardship", 2, "struggling", /\bstruggl(?:e|es|ed|ing)\b/, { negatable: true }),
  rule("hardship", 3, "can not afford", /\b(?:can not|could not|unable to|not able to) afford\b/),
  rule(
    "hardship",
    3,
    "financial difficulty",
    /\bfinancial (?:difficult\w*|hardship|trouble|problems?|distress|strain)\b|\bhardship\b|\bfinancially (?:difficult|struggling)\b/,
  ),
  rule(
    "hardship",
    3,
    "insolvency",
    /\bbankrupt\w*|\bchapter (?:7|11|13)\b|\binsolven\w*|\breceivership\b|\bliquidat(?:ion|or|ors)\b|\b(?:entered|gone into|go into|placed in|placed into|in) administration\b|\bautomatic stay\b/,
  ),
  rule(
    "hardship",
    3,
    "business failed",
    /\bwent bust\b|\bgone bust\b|\bout of business\b|\b(?:closing|shutting|shut) (?:down )?(?:the|our|my) business\b/,
  ),
  rule(
    "hardship",
    3,
    "illness",
    /\b(?:in|into) (?:the )?hospital\b|\bhospitali[sz]ed\b|\bmedical (?:bills|emergency|issues|expenses)\b|\b(?:cancer|chemo\w*|surgery|seriously ill|terminally ill)\b/,
  ),
  rule("hardship", 3, "bereavement", /\bpassed away\b|\bdied\b|\bfuneral\b|\bprobate\b/),
  rule("hardship", 3, "disability", /\bon disability\b|\bdisability (?:benefits|payments)\b/),
  rule(
    "hardship",
    3,
    "no money",
    /\b(?:do|does|did) not have (?:the |any |enough )?(?:money|funds|cash)\b|\bhave no (?:money|funds|cash)\b|\b(?:do|does) not have access to (?:the |any )?(?:funds|money)\b/,
  ),
  rule(
    "hardship",
    2,
    "can not pay right now",
    /\b(?:can not|could not|unable to|not able to) (?:pay|cover|make (?:the )?payment)\b.{0,40}\b(?:right now|at the moment|currently|this month|at this time|for now|anymore)\b/,
  ),
  rule(
    "hardship",
    2,
    "sales dropped",
    /\b(?:sales|revenue|business|income|orders) (?:have |has )?(?:dropped|fallen|collapsed|declined|slowed|been (?:really |very )?slow|is (?:really |very )?slow)\b/,
  ),
  rule(
    "hardship",
    3,
    "money is tight",
    /\bmoney (?:is|has been) (?:very |really |extremely |so )?tight\b|\b(?:tight|short) on (?:money|cash|funds)\b|\bbehind on (?:bills|rent|payments|everything)\b|\bunexpected (?:expenses|bills|costs)\b/,
  ),
  rule(
    "hardship",
    3,
    "winding down the business",
    /\bwinding (?:down|up) (?:the|our|my) (?:business|company)\b|\bclosing (?:our|the) doors\b|\bgoing out of business\b|\b(?:can not|unable to|could not) (?:cover|meet|pay) (?:all )?(?:of )?(?:our|my) (?:debts|bills|obligations|expenses|creditors)\b/,
  ),
  rule(
    "hardship",
    2,
    "disaster",
    /\b(?:flood(?:ed|ing)?|fire damage|burn(?:ed|t) down|hurricane|storm damage|natural disaster|burglary|robbed|earthquake|tornado)\b|\bclosed for repairs\b/,
  ),
  rule(
    "hardship",
    3,
    "after the fire",
    /\b(?:after|since|because of|due to) (?:the |a |our |my )?(?:fire|flood|storm|hurricane|accident|break-in|robbery|pandemic|lockdown|illness|surgery|death|divorce|stroke|heart attack)\b|\b(?:had|have had|were forced|was forced) to close\b/,
  ),
  rule(
    "hardship",
    3,
    "on benefits",
    /\bon (?:unemployment|welfare|benefits|social security|food stamps|medicaid|a fixed income)\b|\bunemployment benefits\b|\b(?:accounts?|funds|assets) (?:are|is|have been|has been|were|was) frozen\b/,
  ),
  rule("hardship", 2, "divorce", /\bdivorce\b|\bseparation\b/),
  rule("hardship", 2, "can not pay until", /\b(?:can not|unable to|could not) pay (?:anything )?until\b/),
  rule(
    "hardship",
    1,
    "payment plan",
    /\bpayment plan\b|\bsplit (?:it|this|the payment|the balance)\b|\bwork something out\b|\bgive me (?:till|until|more time)\b/,
  ),
  rule(
    "hardship",
    3,
    "dificultades economicas",
    /\bdificultad(?:es)? (?:economicas|financieras)\b|\bproblemas (?:economicos|financieros)\b|\bquiebra\b|\bconcurso de acreedores\b|\bfinanziellen? schwierigkeiten\b|\bzahlungsschwierigkeiten\b|\binsolvenz\w*|\bdifficultes? financieres?\b|\bredressement judiciaire\b|\bfaillite\b/,
  ),
  rule(
    "hardship",
    2,
    "no podemos pagar",
    /\bno (?:podemos|puedo) pagar\b|\b(?:konnen|kann)\b.{0,30}\bnicht (?:bezahlen|begleichen|zahlen)\b/,
  ),
  rule("hardship", 1, "instalments", /\bratenzahlung\b|\bplan de pagos\b/),

  // promise to pay
  rule(
    "promise_to_pay",
    3,
    "will pay",
    /\b(?:will|shall|going to|gonna|plan to|planning to|intend to|expect to|promise to|able to|can|hope to|aim to|let me|let us)(?: (?:definitely|certainly|then|also|likely|probably|hopefully|happily|gladly|now))? (?:pay|settle|remit|transfer|wire|clear)\b/,
    { negatable: true, notAfter: CONDITIONAL },
  ),
  rule(
    "promise_to_pay",
    3,
    "will be paid",
    /\b(?:will|shall|should|is going to|are going to) be (?:paid|settled|remitted|transferred|wired|made|processed|released|sent|included|issued|cleared)\b/,
    { negatable: true },
  ),
  rule(
    "promise_to_pay",
    3,
    "will send a check",
    new RegExp(
      `\\b(?:will|shall|can|going to) (?:send|mail|post|issue|release|process|initiate|make|schedule|put through)(?: you)?(?: (?:a|the|our|your|full|partial|final|first|that))? ${MONEY_NOUN}\\b|\\b(?:will|can|going to) send (?:you )?(?:\\$|£|€|¥|\\d)`,
    ),
    { negatable: true, notAfter: CONDITIONAL },
  ),
  rule(
    "promise_to_pay",
    3,
    "scheduled",
    /\bscheduled (?:for|to go out|to be paid|on|to pay|to release)\b|\bis scheduled\b/,
    {
      negatable: true,
    },
  ),
  rule(
    "promise_to_pay",
    3,
    "get it paid",
    /\b(?:able to|will|can|going to|hope to|expect to) get (?:\S+ ){0,2}paid\b/,
    {
      negatable: true,
    },
  ),
  rule(
    "promise_to_pay",
    3,
    "expect payment",
    /\b(?:expect|you will (?:get|receive|see|have)|you should (?:get|receive|have)) (?:the |our |a |your |full )?(?:payment|funds|check|cheque|wire|transfer|money|remittance)\b/,
    { negatable: true },
  ),
  rule(
    "promise_to_pay",
    3,
    "check goes out",
    /\b(?:payment|check|cheque|wire|transfer|ach|funds|it) (?:goes|will go|is going|are going|go) out\b/,
    { negatable: true },
  ),
  rule(
    "promise_to_pay",
    3,
    "we are paying",
    /\b(?:we are|i am|we will be|i will be) (?:paying|sending (?:the |a |you )?(?:payment|check|cheque|wire|funds)|wiring|transferring|mailing (?:the |a )?(?:check|cheque|payment))\b/,
    { negatable: true },
  ),
  rule(
    "promise_to_pay",
    2,
    "will take care of it",
    /\b(?:will|can|going to|shall) (?:make|take care of|handle|cover|sort out|send over|send|mail|post|wire|transfer|remit|release|arrange|get|have|do) (?:the |a |this |that |it|our |full |final |half|part|\$|\d|you )?(?:payment|balance|invoice|bill|it|this|that|them|amount|remaining|rest|half|check|cheque|wire|funds|money|transfer|\d|\$|to you)/,
    { negatable: true, notAfter: CONDITIONAL },
  ),
  rule(
    "promise_to_pay",
    2,
    "in process",
    /\b(?:payment|it|check|cheque|wire) (?:is|are) (?:being processed|in process|in progress|queued|lined up|set up)\b|\bqueued (?:for|up)\b|\bshould (?:reach|arrive|get to|hit|land)\b/,
  ),
  rule(
    "promise_to_pay",
    3,
    "te pago",
    /\b(?:te|le|les) (?:pago|pagamos|transfiero|transferimos)\b|\b(?:voy|vamos) a (?:pagar|transferir|abonar)\b|\b(?:abonaremos|transferiremos)\b|\b(?:je vais|nous allons) (?:payer|regler|virer)\b|\b(?:paierai|paierons)\b|\b(?:zahlen|uberweisen|begleichen) wir\b|\bwir (?:zahlen|uberweisen) (?:am|bis|nachste|morgen|heute)\b/,
  ),
  rule(
    "promise_to_pay",
    2,
    "arranging payment",
    /\b(?:arranging|organi[sz]ing|setting up|scheduling|preparing|releasing|approving) (?:the |a |your |our )?(?:payment|check|cheque|wire|transfer)\b|\b(?:lined up|queued|slated|slotted|earmarked|booked|teed up|pencil+ed in) (?:for|to (?:go|pay|be paid))\b/,
    { negatable: true },
  ),
  rule(
    "promise_to_pay",
    2,
    "payment run",
    /\b(?:payment|check|cheque|pay|bacs|ach|wire) (?:run|batch|cycle)\b/,
  ),
  rule("promise_to_pay", 2, "approved for payment", /\bapproved for payment\b/),
  rule("promise_to_pay", 1, "approved", /\bis approved\b|\bapproved (?:invoice|inv|it|the invoice)\b/),
  rule(
    "promise_to_pay",
    2,
    "should go out",
    /\bshould (?:go out|be sent|see (?:it|the payment|payment|the funds|funds|the money|\$|£|€|¥|\d))/,
  ),
  rule("promise_to_pay", 2, "processing payment", /\b(?:processing|process) (?:the |your |a )?payment\b/, {
    notAfter: CONDITIONAL,
  }),
  rule("promise_to_pay", 2, "try to pay", /\b(?:try|trying|attempt) to pay\b/),
  rule(
    "promise_to_pay",
    3,
    "pagaremos / sera regle",
    /\bpagare\b|\bpagaremos\b|\bvamos a pagar\b|\bse pagara\b|\brealizaremos el pago\b|\bsera (?:effectue|regle|reglee|paye|payee|vire|envoye)\b|\bpayerons\b|\breglerons\b|\bverserons\b|\ballons (?:payer|regler)\b|\bwerden\b.{0,60}\b(?:uberweisen|bezahlen|begleichen|zahlen|anweisen)\b|\bwird\b.{0,60}\b(?:uberwiesen|bezahlt|beglichen) werden\b/,
  ),

  // invoice copy request
  rule("invoice_copy_request", 3, "resend", /\bre-? ?send(?:ing)?\b/),
  rule(
    "invoice_copy_request",
    3,
    "copy of the invoice",
    /\bcop(?:y|ies) of\b.{0,60}\b(?:invoice|invoices|bill|statement|inv\S*|factura|rechnung|facture|\d{3,})/,
  ),
  rule(
    "invoice_copy_request",
    2,
    "send a copy",
    /\b(?:send|email|e-mail|forward|need|want|get|request) (?:me |us )?(?:a |an |the |another )?cop(?:y|ies)\b(?! of (?:your|the|our) (?:w-?9|w9|certificate|insurance|contract|licen[cs]e))/,
  ),
  rule(
    "invoice_copy_request",
    3,
    "send the invoice",
    /\b(?:send|email|e-mail|mail|forward|attach|share|provide|get) (?:me |us )?(?:over )?(?:the |a |an |this |that |our |your )?(?:pdf |original |itemi[sz]ed |full |new |updated )?(?:invoice|invoices|bill|statement|statements|pdf)\b/,
  ),
  rule(
    "invoice_copy_request",
    3,
    "send it again",
    /\b(?:send|email|e-mail|forward|mail)\b.{0,40}\bagain\b|\b(?:send|email|e-mail|forward|mail) (?:it|them|this|that) (?:to (?:me|us)|over|across)\b/,
  ),
  rule(
    "invoice_copy_request",
    2,
    "can not find the invoice",
    /\b(?:can not|could not|unable to|not able to) (?:find|locate)\b|\bdo not have (?:this|the|that|a copy of the|your|any) (?:invoice|bill|statement)\b|\bnot in our (?:ap |accounting |accounts payable )?system\b|\b(?:never|not) (?:received|got|seen) (?:the |your |an |this |that |any )?(?:invoice|bill|statement)\b|\bwent to spam\b|\b(?:link|attachment|pdf)\b.{0,30}\b(?:does not|did not|will not|can not|is not) (?:open|load|work)|\battachment (?:was|is) (?:empty|missing|blank)\b|\banhang war leer\b/,
  ),
  rule(
    "invoice_copy_request",
    2,
    "no attachment",
    /\b(?:do not|did not|can not|could not) see (?:an |the |any )?(?:invoice|attachment|pdf)\b|\b(?:invoice|attachment|pdf) (?:is|was) (?:missing|not attached|blank|empty|corrupt\w*)\b|\bnot attached\b|\bno attachment\b/,
  ),
  rule(
    "invoice_copy_request",
    2,
    "can you forward it",
    /\b(?:can|could|would) you (?:please )?(?:forward|send|email|e-mail|resend) (?:it|them|that|this|one|me one|us one)\b/,
  ),
  rule(
    "invoice_copy_request",
    3,
    "where can I download it",
    /\b(?:where|how) (?:can|do|could) (?:i|we) (?:download|get|find|access|see|view|obtain) (?:a |the |this |our |my )?(?:copy|invoice|invoices|bill|statement|pdf)\b/,
  ),
  rule(
    "invoice_copy_request",
    3,
    "duplicate invoice",
    /\b(?:get|need|want|send|request|provide|have)(?: (?:me|us))? an? duplicate (?:invoice|copy|bill|statement)\b/,
  ),
  rule("invoice_copy_request", 3, "itemised invoice", /\bitemi[sz]ed (?:invoice|bill|statement)\b/),
  rule(
    "invoice_copy_request",
    3,
    "rechnungskopie",
    /\brechnungskopie\b|\bkopie der rechnung\b|\bnochmals\b|\berneut (?:zu)?senden\b|\b(?:senden|schicken) sie uns\b.{0,40}\brechnung\b|\breenvi\w*|\bcopia de la factura\b|\b(?:enviar|mandar)(?:nos|me)? (?:de nuevo |otra vez )?la factura\b|\brenvoy\w*|\bcopie de la facture\b|\bduplicata\b|\b(?:envoyer|transmettre) (?:a nouveau |de nouveau )?la facture\b/,
  ),
];

function negated(normalized: string, index: number): boolean {
  const before = normalized
    .slice(Math.max(0, index - 40), index)
    .trim()
    .split(" ")
    .slice(-3);
  return before.some((w) => NEGATIONS.has(w));
}

function matchRules(kept: string[]): Hit[] {
  const hits: Hit[] = [];
  const seen = new Set<Rule>();
  for (const sentence of kept) {
    const n = norm(sentence);
    if (n === "") continue;
    for (const r of RULES) {
      if (seen.has(r)) continue;
      // The first occurrence in the sentence that is neither negated nor conditional.
      const m = [...n.matchAll(r.global)].find((x) => {
        if (r.negatable && negated(n, x.index)) return false;
        return !r.notAfter?.test(n.slice(Math.max(0, x.index - 40), x.index));
      });
      if (!m) continue;
      seen.add(r);
      hits.push({
        category: r.category,
        weight: r.weight,
        label: r.label,
        quote: excerpt(sentence, m[0]),
        sentence,
        normalized: n,
        at: m.index,
        length: m[0].length,
      });
    }
  }
  return hits;
}

function sumWeights(hits: Hit[], category: Category): number {
  return hits.filter((h) => h.category === category).reduce((sum, h) => sum + h.weight, 0);
}

/** The sentence, or a 120-character window of it around the matched phrase. */
function excerpt(sentence: string, matched: string): string {
  if (sentence.length <= MAX_EVIDENCE_CHARS) return sentence;
  const word = matched.split(" ").find((w) => w.length > 2) ?? matched;
  const at = Math.max(0, sentence.toLowerCase().indexOf(word.toLowerCase()));
  const start = Math.max(0, Math.min(at - 40, sentence.length - MAX_EVIDENCE_CHARS));
  return quote(sentence.slice(start));
}

function quote(text: string): string {
  let q = text.replace(/\s+/g, " ").trim().slice(0, MAX_EVIDENCE_CHARS);
  if (/[\uD800-\uDBFF]$/.test(q)) q = q.slice(0, -1);
  return q;
}

function evidenceOf(hits: Hit[], category: Category): string[] {
  const mine = hits.filter((h) => h.category === category).sort((a, b) => b.weight - a.weight);
  const out: string[] = [];
  for (const h of mine) {
    if (h.quote !== "" && !out.includes(h.quote)) out.push(h.quote);
    if (out.length === MAX_EVIDENCE_ITEMS) break;
  }
  return out;
}

const AUTO_REPLY_SUBJECT =
  /^(?:automatic reply|auto ?reply|auto-reply|autoreply|auto:|out of (?:the )?office|ooo\b|abwesen\w*|urlaub\b|ausente\b|absence\b|absent\b|automatische antwort|respuesta automatica|reponse automatique|risposta automatica|automatisch antwoord|autosvar|自動応答|自動返信)/;

/** The channel named in the opt-out phrase or just after it ("stop texting", "by text message"). */
function optOutChannelOf(hits: Hit[], fallback: ReplyChannel): ReplyChannel {
  const hit = hits.find((h) => h.category === "opt_out");
  if (!hit) return fallback;
  const window = hit.normalized.slice(hit.at, hit.at + hit.length + 60);
  const sms = /\b(?:text|texts|texting|txt|sms|cell|mobile|phone number)\b/.exec(window);
  const email = /\b(?:e-?mails?|e-?mailing|mailing list|inbox)\b/.exec(window);
  if (sms && (!email || sms.index < email.index)) return "sms";
  if (email) return "email";
  return fallback;
}

// ---------------------------------------------------------------------------------------------------
// Invoice references: only the account's own, as whole tokens, spelled as known

interface RefScan {
  found: string[];
  /** The text with every found reference blanked out (for date and amount extraction). */
  masked: string;
}

/** Runs of ASCII letters or digits: "INV-3302", "inv 3302" and "INV3302" are the same runs. */
const RUN = /[A-Za-z]+|[0-9]+/g;

export function findInvoiceRefs(text: string, known: readonly unknown[]): RefScan {
  const byFirst = new Map<string, { ref: string; runs: string[] }[]>();
  for (const ref of known.slice(0, 5_000)) {
    if (typeof ref !== "string" || ref.trim() === "" || ref.length > 64) continue;
    const runs = ref.toUpperCase().match(RUN) ?? [];
    if (runs.length === 0 || runs.length > 16) continue;
    const list = byFirst.get(runs[0]!) ?? [];
    list.push({ ref, runs });
    byFirst.set(runs[0]!, list);
  }
  if (byFirst.size === 0) return { found: [], masked: text };
  const tokens = [...text.matchAll(RUN)].map((m) => ({
    value: m[0].toUpperCase(),
    start: m.index,
    end: m.index + m[0].length,
  }));
  const found: string[] = [];
  const spans: [number, number][] = [];
  for (let i = 0; i < tokens.length; i++) {
    const candidates = byFirst.get(tokens[i]!.value);
    if (!candidates) continue;
    const start = tokens[i]!.start;
    if (start > 0 && /[A-Za-z0-9]/.test(text[start - 1]!)) continue;
    if (start > 1 && /[-_/]/.test(text[start - 1]!) && /[A-Za-z0-9]/.test(text[start - 2]!)) continue;
    for (const { ref, runs } of candidates) {
      let ok = true;
      for (let j = 1; j < runs.length && ok; j++) {
        const prev = tokens[i + j - 1];
        const cur = tokens[i + j];
        if (!prev || !cur || cur.value !== runs[j]) ok = false;
        else {
          const gap = text.slice(prev.end, cur.start);
          if (!(gap === "" || (gap.length === 1 && /[-_./ ]/.test(gap)))) ok = false;
        }
      }
      if (!ok) continue;
      const end = tokens[i + runs.length - 1]!.end;
      const next = text.slice(end, end + 2);
      if (/^[A-Za-z0-9]/.test(next) || /^[-_/][A-Za-z0-9]/.test(next)) continue;
      if (!found.includes(ref)) found.push(ref);
      spans.push([start, end]);
    }
  }
  let masked = text;
  for (const [s, e] of spans) masked = masked.slice(0, s) + " ".repeat(e - s) + masked.slice(e);
  return { found, masked };
}

// ---------------------------------------------------------------------------------------------------
// Dates

interface Today {
  iso: string;
  y: number;
  m: number;
  d: number;
  /** Day of the week, 0 = Sunday. */
  dow: number;
}

function todayOf(reply: InboundReply): Today | null {
  const instant = new Date(typeof reply.receivedAt === "string" ? reply.receivedAt : "");
  if (Number.isNaN(instant.getTime())) return null;
  let iso: string;
  try {
    iso = localDate(instant, typeof reply.timezone === "string" ? reply.timezone : "UTC");
  } catch {
    iso = instant.toISOString().slice(0, 10); // an unknown zone: the UTC date
  }
  if (!DATE_RE.test(iso)) return null;
  const [y, m, d] = iso.split("-").map(Number) as [number, number, number];
  return { iso, y, m, d, dow: new Date(dateMs(iso)).getUTCDay() };
}

/** A real calendar date as YYYY-MM-DD, or null. */
function ymd(y: number, m: number, d: number): string | null {
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d)) return null;
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31) return null;
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return null;
  return dt.toISOString().slice(0, 10);
}

function lastDayOfMonth(y: number, m: number): string {
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

interface Mention {
  start: number;
  end: number;
  /** A day ("on the 15th", "Friday", "3/2"), not a stretch ("next week", "end of the month"). */
  specific: boolean;
  /** Weekday names, dropped when a date sits right next to them ("Friday 12/5"). */
  weekday?: boolean;
  resolve: (today: Today | null, direction: Direction) => string | null;
}

const MONTHS: Record<string, number> = {
  january: 1,
  jan: 1,
  february: 2,
  feb: 2,
  march: 3,
  mar: 3,
  april: 4,
  apr: 4,
  may: 5,
  june: 6,
  jun: 6,
  july: 7,
  jul: 7,
  august: 8,
  aug: 8,
  september: 9,
  sept: 9,
  sep: 9,
  october: 10,
  oct: 10,
  november: 11,
  nov: 11,
  december: 12,
  dec: 12,
  enero: 1,
  febrero: 2,
  marzo: 3,
  abril: 4,
  mayo: 5,
  junio: 6,
  julio: 7,
  agosto: 8,
  septiembre: 9,
  setiembre: 9,
  octubre: 10,
  noviembre: 11,
  diciembre: 12,
  janvier: 1,
  fevrier: 2,
  mars: 3,
  avril: 4,
  mai: 5,
  juin: 6,
  juillet: 7,
  aout: 8,
  septembre: 9,
  octobre: 10,
  novembre: 11,
  decembre: 12,
  januar: 1,
  janner: 1,
  februar: 2,
  marz: 3,
  maerz: 3,
  juni: 6,
  juli: 7,
  oktober: 10,
  dezember: 12,
};
const MONTH_ALT = Object.keys(MONTHS)
  .sort((a, b) => b.length - a.length)
  .join("|");

const WEEKDAYS: Record<string, number> = {
  sunday: 0,
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
  domingo: 0,
  lunes: 1,
  martes: 2,
  miercoles: 3,
  jueves: 4,
  viernes: 5,
  sabado: 6,
  dimanche: 0,
  lundi: 1,
  mardi: 2,
  mercredi: 3,
  jeudi: 4,
  vendredi: 5,
  samedi: 6,
  sonntag: 0,
  montag: 1,
  dienstag: 2,
  mittwoch: 3,
  donnerstag: 4,
  freitag: 5,
  samstag: 6,
  sonnabend: 6,
};
const WEEKDAY_ALT = Object.keys(WEEKDAYS)
  .sort((a, b) => b.length - a.length)
  .join("|");

/** Zones whose customers write day/month ("05/01" is 5 January); elsewhere month/day, as in the US. */
const DAY_FIRST_ZONES =
  /^(?:Europe|Africa|Australia|Atlantic|Indian)\/|^Pacific\/(?:Auckland|Fiji)|^Asia\/(?:Kolkata|Calcutta|Singapore|Hong_Kong|Dubai|Karachi|Jakarta|Kuala_Lumpur|Bangkok|Ho_Chi_Minh|Jerusalem|Riyadh|Dhaka)|^America\/(?:Sao_Paulo|Argentina|Buenos_Aires|Bogota|Lima|Santiago|Mexico_City|Caracas|Montevideo)|^(?:UTC|GMT|Etc\/)/;

/** Day and month with no year: the next such date (forward) or the last one (backward). */
function dayMonth(today: Today | null, direction: Direction, month: number, day: number): string | null {
  if (!today) return null;
  const year = today.y;
  for (const y of direction === "future" ? [year, year + 1] : [year, year - 1]) {
    const iso = ymd(y, month, day);
    if (!iso) continue;
    if (direction === "future" ? iso >= today.iso : iso <= today.iso) return iso;
  }
  return null;
}

/** A day of the month only ("the 15th"): this month or the next (forward), this or the last (back). */
function dayOnly(today: Today | null, direction: Direction, day: number): string | null {
  if (!today || day < 1 || day > 31) return null;
  let y = today.y;
  let m = today.m;
  for (let i = 0; i < 13; i++) {
    const iso = ymd(y, m, day);
    if (iso && (direction === "future" ? iso >= today.iso : iso <= today.iso)) return iso;
    m += direction === "future" ? 1 : -1;
    if (m === 13) {
      m = 1;
      y++;
    } else if (m === 0) {
      m = 12;
      y--;
    }
  }
  return null;
}

function weekdayFrom(today: Today | null, direction: Direction, dow: number): string | null {
  if (!today) return null;
  const ahead = (dow - today.dow + 7) % 7 || 7;
  const back = (today.dow - dow + 7) % 7 || 7;
  return addDays(today.iso, direction === "future" ? ahead : -back);
}

/** Monday of next week (weeks start on Monday). */
function nextMonday(today: Today): string {
  return addDays(today.iso, 7 - ((today.dow + 6) % 7));
}

function twoDigitYear(y: string | undefined): number | null {
  if (y === undefined) return null;
  const n = Number(y);
  return y.length === 2 ? 2000 + n : n;
}

/** A date with a month and a day, and maybe a year. */
const exact =
  (y: number | null, m: number, d: number): Mention["resolve"] =>
  (today, direction) =>
    y !== null ? ymd(y, m, d) : dayMonth(today, direction, m, d);

/** Every date the text mentions, in order; `lower` is normalised without contraction expansion. */
export function dateMentions(text: string, timeZone: string): Mention[] {
  const lower = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
  const mentions: Mention[] = [];
  const claim = (start: number, end: number): boolean => {
    if (mentions.some((m) => start < m.end && m.start < end)) return false;
    return true;
  };
  const add = (re: RegExp, make: (m: RegExpExecArray) => Omit<Mention, "start" | "end"> | null) => {
    for (const m of lower.matchAll(re)) {
      const start = m.index;
      const end = start + m[0].length;
      if (!claim(start, end)) continue;
      const made = make(m as RegExpExecArray);
      if (made) mentions.push({ start, end, ...made });
    }
  };
  const dayFirst = DAY_FIRST_ZONES.test(typeof timeZone === "string" ? timeZone : "");

  // Year first: 2026-03-13, 2026/03/13, 2026年3月13日.
  add(/\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b/g, (m) => ({
    specific: true,
    resolve: () => ymd(Number(m[1]), Number(m[2]), Number(m[3])),
  }));
  add(/(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日/g, (m) => ({
    specific: true,
    resolve: exact(m[1] ? Number(m[1]) : null, Number(m[2]), Number(m[3])),
  }));
  // Day then month name: "12 December", "16th January", "30 de diciembre", "5. Januar", "13 Feb 2026".
  add(
    new RegExp(
      `\\b(\\d{1,2})(?:st|nd|rd|th|\\.)?\\s+(?:de\\s+|of\\s+)?(${MONTH_ALT})\\b\\.?(?:,?\\s*(?:de\\s+)?(\\d{4})\\b)?`,
      "g",
    ),
    (m) => ({ specific: true, resolve: exact(m[3] ? Number(m[3]) : null, MONTHS[m[2]!]!, Number(m[1])) }),
  );
  // Month name then day: "March 13, 2026", "Dec 5th", "jan 5".
  add(
    new RegExp(`\\b(${MONTH_ALT})\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b(?:,?\\s*(\\d{4})\\b)?`, "g"),
    (m) => ({ specific: true, resolve: exact(m[3] ? Number(m[3]) : null, MONTHS[m[1]!]!, Number(m[2])) }),
  );
  // Dotted, day first: "21.11.2025", "12.12.", "05.12.".
  add(/(?<![\d.,])(\d{1,2})\.(\d{1,2})\.(?:(\d{4}|\d{2})(?!\d))?/g, (m) => ({
    specific: true,
    resolve: exact(twoDigitYear(m[3]), Number(m[2]), Number(m[1])),
  }));
  // Slashed: month/day in the US and by default, day/month where the zone writes it so.
  add(/(?<![\d/.-])(\d{1,2})\/(\d{1,2})(?:\/(\d{4}|\d{2}))?(?![\d/])/g, (m) => {
    const a = Number(m[1]);
    const b = Number(m[2]);
    if ((a === 24 && b === 7) || a === 0 || b === 0) return null;
    const dm = a > 12 ? true : b > 12 ? false : dayFirst;
    const [month, day] = dm ? [b, a] : [a, b];
    return { specific: true, resolve: exact(twoDigitYear(m[3]), month, day) };
  });
  // Weekdays with a week: "Wednesday next week", "next week on Friday".
  add(
    new RegExp(
      `\\b(${WEEKDAY_ALT})\\s+(?:of\\s+)?next week\\b|\\bnext week(?:\\s+on)?\\s+(${WEEKDAY_ALT})\\b`,
      "g",
    ),
    (m) => {
      const dow = WEEKDAYS[(m[1] ?? m[2])!]!;
      return {
        specific: true,
        resolve: (today) => (today ? addDays(nextMonday(today), (dow + 6) % 7) : null),
      };
    },
  );
  // "next Friday", "vendredi prochain": the coming one or the one after? People differ, so no date
  // (a person asks) rather than a wrong one.
  add(
    new RegExp(
      `\\b(?:next|nachsten|nachster|el proximo|proximo)\\s+(?:${WEEKDAY_ALT})\\b|\\b(?:${WEEKDAY_ALT})\\s+(?:prochain|que viene)\\b`,
      "g",
    ),
    () => ({ specific: true, resolve: () => null }),
  );
  add(new RegExp(`\\b(?:last|past)\\s+(${WEEKDAY_ALT})\\b`, "g"), (m) => {
    const dow = WEEKDAYS[m[1]!]!;
    return { specific: true, resolve: (today) => weekdayFrom(today, "past", dow) };
  });
  add(/\bday after tomorrow\b/g, () => ({ specific: true, resolve: (t) => (t ? addDays(t.iso, 2) : null) }));
  add(/\bend of (?:the )?next month\b/g, () => ({
    specific: false,
    resolve: (t) => (t ? lastDayOfMonth(t.m === 12 ? t.y + 1 : t.y, t.m === 12 ? 1 : t.m + 1) : null),
  }));
  add(
    /\b(?:(?:the )?end of (?:the |this )?month|month[- ]end|fin (?:de|del) mes|fin du mois|monatsende|ende (?:des )?monats)\b/g,
    () => ({ specific: false, resolve: (t) => (t ? lastDayOfMonth(t.y, t.m) : null) }),
  );
  add(/\b(?:(?:the )?end of (?:the |this )?week|this week|diese woche|cette semaine|esta semana)\b/g, () => ({
    specific: false,
    resolve: (t) => {
      if (!t) return null;
      const friday = addDays(t.iso, 4 - ((t.dow + 6) % 7));
      return friday >= t.iso ? friday : t.iso;
    },
  }));
  add(
    /\b(?:next week|nachste woche|la semaine prochaine|semaine prochaine|la proxima semana|proxima semana)\b/g,
    () => ({
      specific: false,
      resolve: (t, direction) => (t && direction === "future" ? addDays(nextMonday(t), 4) : null),
    }),
  );
  add(/\b(?:last week|last month|earlier this week|next month|next year)\b/g, () => ({
    specific: false,
    resolve: () => null,
  }));
  add(/\b(?:tomorrow|demain|(?<!guten )morgen|(?<!(?:la|esta|por la) )manana)\b/g, () => ({
    specific: true,
    resolve: (t) => (t ? addDays(t.iso, 1) : null),
  }));
  add(/\b(?:today|tonight|this (?:morning|afternoon|evening)|heute|hoy|aujourd'hui)\b/g, () => ({
    specific: true,
    resolve: (t) => t?.iso ?? null,
  }));
  add(/\b(?:yesterday|ayer|gestern)\b/g, () => ({
    specific: true,
    resolve: (t) => (t ? addDays(t.iso, -1) : null),
  }));
  add(/\bin (\d{1,2}) days?\b/g, (m) => ({
    specific: true,
    resolve: (t, direction) => (t && direction === "future" ? addDays(t.iso, Number(m[1])) : null),
  }));
  // "on the 15th", "Monday 12th": a day of the month.
  add(/\b(\d{1,2})(?:st|nd|rd|th)\b/g, (m) => {
    const before = lower.slice(Math.max(0, m.index - 24), m.index);
    const after = lower.slice(m.index + m[0].length, m.index + m[0].length + 16);
    if (
      !/(?:\b(?:on|by|until|till|before|after|from|around|about|through|thru|the|due)|day)\s+$/.test(before)
    )
      return null;
    if (
      /^\s*(?:floor|century|party|street|avenue|place|time|anniversary|birthday|edition|grade|quarter|round|year|week|instal|attempt|reminder|notice|invoice|of the)/.test(
        after,
      )
    ) {
      return null;
    }
    const day = Number(m[1]);
    return { specific: true, resolve: (t, direction) => dayOnly(t, direction, day) };
  });
  // Weekday names on their own.
  add(new RegExp(`\\b(?:this\\s+|coming\\s+|this coming\\s+)?(${WEEKDAY_ALT})\\b`, "g"), (m) => {
    const dow = WEEKDAYS[m[1]!]!;
    return { specific: true, weekday: true, resolve: (t, direction) => weekdayFrom(t, direction, dow) };
  });

  mentions.sort((a, b) => a.start - b.start);
  // A weekday right next to a date ("Friday 12/5", "Monday 5th January", "12/5 (Fri)") is that date.
  return mentions.filter((m, i) => {
    if (!m.weekday) return true;
    const next = mentions[i + 1];
    const prev = mentions[i - 1];
    if (next && /^[\s,]*(?:the\s+)?$/.test(lower.slice(m.end, next.start))) return false;
    if (prev && /^[\s,(]*$/.test(lower.slice(prev.end, m.start))) return false;
    return true;
  });
}

/** The first specific date in the direction, else the first resolvable stretch ("next week"). */
function pickDate(mentions: Mention[], today: Today | null, direction: Direction): string | null {
  for (const specific of [true, false]) {
    for (const m of mentions) {
      if (m.specific !== specific) continue;
      const iso = m.resolve(today, direction);
      if (iso && DATE_RE.test(iso)) return iso;
    }
  }
  return null;
}

const RETURN_CUE =
  /(?:\breturn\w*|\bback|\breopen\w*|\bwieder|\bzuruck|\bab(?: dem| den)?|\bregres\w*|\bvuelta|\bretour|\bresum\w*)\b[^.]{0,25}$|\bab (?:dem )?$/;
const UNTIL_CUE =
  /\b(?:until|till|til|through|thru|bis(?: zum| zu| einschliesslich)?|hasta(?: el)?|jusqu ?'? ?au?)\s+(?:\S+\s+)?$/;

const INCLUSIVE = /^\s*\(?(?:inclus\w*|inclusive|included|einschliesslich|incluido|incluso)\b/;

/** When an out-of-office sender is back: a date after "back"/"return", else after "until". */
function returnDateOf(text: string, timeZone: string, today: Today | null): string | null {
  const lower = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
  const mentions = dateMentions(text, timeZone).filter((m) => m.specific);
  for (const cue of [RETURN_CUE, UNTIL_CUE]) {
    for (const m of mentions) {
      if (!cue.test(lower.slice(Math.max(0, m.start - 40), m.start))) continue;
      const iso = m.resolve(today, "future");
      if (!iso) continue;
      // "until 19 January inclusive": back the day after.
      const inclusive = cue === UNTIL_CUE && INCLUSIVE.test(lower.slice(m.end, m.end + 20));
      return inclusive ? addDays(iso, 1) : iso;
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------
// Amounts

const DOLLAR_CURRENCIES = new Set([
  "USD",
  "AUD",
  "CAD",
  "NZD",
  "SGD",
  "HKD",
  "MXN",
  "TWD",
  "JMD",
  "BSD",
  "FJD",
]);
const CODES =
  "USD|EUR|GBP|JPY|AUD|CAD|CHF|NZD|SEK|NOK|DKK|PLN|CZK|HUF|MXN|BRL|INR|CNY|HKD|SGD|ZAR|KRW|ILS|AED|SAR|THB|MYR|PHP|IDR|TWD|CLP|COP|PEN|ARS|RON|BGN";
const NUM = "\\d{1,3}(?:[,.'\\u00A0\\u202F]\\d{3})+(?:[.,]\\d{1,2})?|\\d+(?:[.,]\\d{1,2})?";
const SYMBOLS = "US\\$|A\\$|AU\\$|C\\$|CA\\$|NZ\\$|HK\\$|S\\$|R\\$|\\$|€|£|¥|￥|₹|₩";
const MONEY = new RegExp(
  `(?<sym>${SYMBOLS})\\s?(?<n1>${NUM})(?![\\d])|\\b(?<code1>${CODES})\\s?(?<n2>${NUM})(?![\\d])|(?<![\\d.,])(?<n3>${NUM})\\s?(?:(?<sym2>€|£|¥|￥|円|\\$)|(?<code2>${CODES})\\b|(?<word>euros?|dollars?|pounds?|yen)\\b)`,
  "g",
);
const BARE = new RegExp(
  `\\b(?:pay|paying|send|sending|transfer|wire|remit)\\s+(?:you\\s+)?(${NUM})(?![\\d/%.,]|\\s?(?:st|nd|rd|th)\\b|\\s?(?:of|days?|weeks?|months?|years?|units?|pcs|pieces|items|invoices?|hours?|percent|${MONTH_ALT})\\b)`,
  "g",
);

const digitsCache = new Map<string, number | null>();

/** The currency's minor-unit digits (JPY 0, USD 2), or null when it is not a currency Intl knows. */
export function currencyDigits(code: string): number | null {
  if (!/^[A-Z]{3}$/.test(code)) return null;
  if (digitsCache.has(code)) return digitsCache.get(code)!;
  let digits: number | null;
  try {
    digits =
      new Intl.NumberFormat("en", { style: "currency", currency: code }).resolvedOptions()
        .maximumFractionDigits ?? 2;
  } catch {
    digits = null;
  }
  digitsCache.set(code, digits);
  return digits;
}

/** A written amount in minor units: "1,250.00", "1.250,00", "12,600", "480,000" (JPY). */
export function toMinor(written: string, digits: number): number | null {
  const s = written.replace(/['\u00A0\u202F\s]/g, "");
  const comma = s.lastIndexOf(",");
  const dot = s.lastIndexOf(".");
  let whole: string;
  let fraction = "";
  if (comma >= 0 && dot >= 0) {
    const decimal = comma > dot ? "," : ".";
    const at = Math.max(comma, dot);
    whole = s.slice(0, at).replace(/[.,]/g, "");
    fraction = s.slice(at + 1);
    if (s.slice(at + 1).includes(decimal === "," ? "." : ",")) return null;
  } else if (comma >= 0 || dot >= 0) {
    const sep = comma >= 0 ? "," : ".";
    const count = s.split(sep).length - 1;
    const after = s.length - Math.max(comma, dot) - 1;
    if (count > 1 || after === 3) whole = s.replaceAll(sep, "");
    else {
      whole = s.slice(0, Math.max(comma, dot));
      fraction = s.slice(Math.max(comma, dot) + 1);
    }
  } else whole = s;
  if (!/^\d{1,15}$/.test(whole) || !/^\d*$/.test(fraction)) return null;
  const padded = (fraction + "0".repeat(digits)).slice(0, digits);
  const roundUp = fraction.length > digits && fraction[digits]! >= "5" ? 1 : 0;
  const minor = Number(whole) * 10 ** digits + (padded === "" ? 0 : Number(padded)) + roundUp;
  return Number.isSafeInteger(minor) && minor > 0 ? minor : null;
}

function accountCurrency(currency: unknown): string | null {
  if (typeof currency !== "string") return null;
  const code = currency.trim().toUpperCase();
  return currencyDigits(code) === null ? null : code;
}

function symbolCurrency(symbol: string, account: string | null): string {
  switch (symbol) {
    case "US$":
      return "USD";
    case "A$":
    case "AU$":
      return "AUD";
    case "C$":
    case "CA$":
      return "CAD";
    case "NZ$":
      return "NZD";
    case "HK$":
      return "HKD";
    case "S$":
      return "SGD";
    case "R$":
      return "BRL";
    case "€":
      return "EUR";
    case "£":
      return "GBP";
    case "₹":
      return "INR";
    case "₩":
      return "KRW";
    case "¥":
    case "￥":
    case "円":
      return account === "CNY" && symbol !== "円" ? "CNY" : "JPY";
    default:
      return account && DOLLAR_CURRENCIES.has(account) ? account : "USD";
  }
}

function wordCurrency(word: string, account: string | null): string {
  if (word.startsWith("euro")) return "EUR";
  if (word.startsWith("pound")) return "GBP";
  if (word === "yen") return "JPY";
  return account && DOLLAR_CURRENCIES.has(account) ? account : "USD";
}

/** The first amount the text states, in minor units, with its currency. */
function amountOf(
  text: string,
  currency: unknown,
  allowBare: boolean,
): Pick<ReplyFields, "amountMinor" | "currency"> {
  const account = accountCurrency(currency);
  for (const m of text.matchAll(MONEY)) {
    const g = m.groups ?? {};
    const written = g.n1 ?? g.n2 ?? g.n3;
    if (!written) continue;
    const code = g.sym
      ? symbolCurrency(g.sym, account)
      : (g.code1 ??
        g.code2 ??
        (g.sym2 ? symbolCurrency(g.sym2, account) : wordCurrency(g.word ?? "", account)));
    const digits = currencyDigits(code);
    if (digits === null) continue;
    const minor = toMinor(written, digits);
    if (minor !== null) return { amountMinor: minor, currency: code };
  }
  if (allowBare && account) {
    const digits = currencyDigits(account)!;
    for (const m of norm(text).matchAll(BARE)) {
      const minor = toMinor(m[1]!, digits);
      if (minor !== null) return { amountMinor: minor, currency: account };
    }
  }
  return {};
}

// ---------------------------------------------------------------------------------------------------
// Payment reference and method

interface Reference {
  value: string;
  start: number;
  end: number;
  /** Introduced as a check number ("check #10455", "Check 20331 cleared"). */
  check: boolean;
}

const REFERENCE =
  /\b((?:zahlungs)?referen(?:ce|z|cia)|r[ée]f[ée]rence|ref|confirmation|conf|trace|check|cheque|chq|transaction|txn|utr)\b\.?(?:\s*(?:number|no\.?|num|nr\.?|#|id|code))?\s*[:#]?\s*([A-Za-z0-9][A-Za-z0-9/-]{1,63})/gi;

function paymentReferenceOf(text: string): Reference | null {
  for (const m of text.matchAll(REFERENCE)) {
    const value = m[2]!.replace(/[-/]+$/, "");
    if (value.length < 3 || !/\d/.test(value)) continue;
    const start = m.index + m[0].length - m[2]!.length;
    const check = /^(?:check|cheque|chq)$/i.test(m[1]!);
    return { value: value.slice(0, 64), start, end: start + value.length, check };
  }
  return null;
}

function referenceMasked(text: string, reference: Reference | null): string {
  if (!reference) return text;
  return (
    text.slice(0, reference.start) + " ".repeat(reference.end - reference.start) + text.slice(reference.end)
  );
}

const METHODS: readonly [PaymentMethod, RegExp][] = [
  ["sepa", /\bsepa\b/],
  ["ach", /\bach\b/],
  ["wire", /\bwire[ds]?\b|\bfed ?wire\b|\bswift\b|\bfed ref\b/],
  ["direct_debit", /\bdirect debit\b|\blastschrift\b|\bprelevement\b|\bdomiciliacion\b/],
  ["paypal", /\bpaypal\b/],
  [
    "check",
    /\b(?:check|cheque)s? ?(?:#|no\b|number|\d)|\b(?:mailed|sent|posted) (?:a |the |our )?(?:check|cheque)\b|\b(?:check|cheque) (?:was|has been|were) (?:mailed|sent|posted|cashed|deposited|cleared)\b|\bby (?:check|cheque)\b/,
  ],
  ["card", /\b(?:credit|debit) card\b|\bcard\b|\bvisa\b|\bmastercard\b|\bamex\b/],
  [
    "bank_transfer",
    /\bbank transfer\b|\btransferencia\b|\bvirement\b|\bbacs\b|\bfaster payments?\b|\beft\b|振込|振り込み/,
  ],
  ["cash", /\bin cash\b|\bpaid cash\b|\bcash payment\b|\bby cash\b/],
];

/** How they paid: the most specific method named (SEPA before bank transfer, wire before card). */
function paymentMethodOf(text: string): PaymentMethod | null {
  const n = norm(text);
  return METHODS.find(([, re]) => re.test(n))?.[0] ?? null;
}
