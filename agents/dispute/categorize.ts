// Categorising a dispute from the customer's own words, by rules. The text is data: it is matched
// against our phrase table and never obeyed, echoed or copied. `matched` lists *our* phrase labels
// (from the table below), not excerpts of the text.
//
// How it works:
// 1. Normalise: accents removed (é → e, ü → u, ñ → n), lower case, English contractions expanded
//    ("didn't" → "did not", "won't" → "will not"), everything but letters and digits → one space.
// 2. Every rule is a phrase (a regular expression over the normalised text, matched on word
//    boundaries) with a weight: 3 = says the category on its own, 2 = strong hint, 1 = weak hint.
// 3. Negation-light: a rule whose phrase does not itself contain a negation ("paid", "damaged") does
//    not count where one of the three words before it is a negation ("not", "no", "never", "nicht",
//    "kein…", "pas", "jamais", "nunca", …): "we have not paid", "no damage", "n'a pas été payé".
//    Rules that carry their own negation ("never received", "does not work") are never discounted.
// 4. A category's score is the sum of its matched rules' weights: each rule once, and a stretch of
//    text once per category (rules are tried heaviest first; a match overlapping one already counted
//    for the same category does not count again). The highest score
//    wins; ties go to the earlier category in CATEGORY_PRIORITY. Nothing matched → "other", 0.
// 5. confidence = 0.95 × min(1, top / 3) × top / (top + runner-up): one decisive phrase and no rival
//    gives 0.95; rivals and weak hints lower it. Rounded to two decimals.
import type { SnapshotDispute } from "../../tools/read/account-snapshot-types.ts";

export type DisputeCategory = SnapshotDispute["category"];

/**
 * Tie-breaking order, and the order of `matched`. Categories a specialist can check against the
 * ledger come first (already paid, duplicate billing), then delivery failures from the most to the
 * least fundamental (nothing arrived, it arrived broken, not all of it arrived), then price, then
 * other.
 */
export const CATEGORY_PRIORITY: readonly DisputeCategory[] = [
  "already_paid",
  "duplicate_billing",
  "not_received",
  "damaged",
  "quantity",
  "pricing",
  "short_payment",
  "other",
];

/** At or above this, a categorisation overrides a stored category it disagrees with. */
export const HIGH_CONFIDENCE = 0.8;
/** At or above this, a categorisation replaces a stored "other". */
export const RECATEGORISE_OTHER_CONFIDENCE = 0.5;

export interface Categorisation {
  category: DisputeCategory;
  /** 0..1; 0 when nothing in the table matched. */
  confidence: number;
  /** Labels of the winning category's matched phrases, heaviest first (table order among equals). */
  matched: string[];
}

export interface PhraseRule {
  category: DisputeCategory;
  /** What `matched` reports: ours, never the customer's text. */
  label: string;
  /** A regular expression over normalised text (lower-case ASCII letters, digits, single spaces). */
  pattern: string;
  weight: 1 | 2 | 3 | 4;
}

const rule = (
  category: DisputeCategory,
  weight: PhraseRule["weight"],
  label: string,
  pattern = label,
): PhraseRule => ({
  category,
  label,
  pattern,
  weight,
});

const PAID = (w: PhraseRule["weight"], label: string, pattern?: string) =>
  rule("already_paid", w, label, pattern);
const DUP = (w: PhraseRule["weight"], label: string, pattern?: string) =>
  rule("duplicate_billing", w, label, pattern);
const NRX = (w: PhraseRule["weight"], label: string, pattern?: string) =>
  rule("not_received", w, label, pattern);
const DMG = (w: PhraseRule["weight"], label: string, pattern?: string) => rule("damaged", w, label, pattern);
const QTY = (w: PhraseRule["weight"], label: string, pattern?: string) => rule("quantity", w, label, pattern);
const PRC = (w: PhraseRule["weight"], label: string, pattern?: string) => rule("pricing", w, label, pattern);
const OTH = (w: PhraseRule["weight"], label: string, pattern?: string) => rule("other", w, label, pattern);

/** The phrase table. English first in each category, then German, French and Spanish. */
export const PHRASE_RULES: readonly PhraseRule[] = [
  // already paid
  PAID(3, "already paid", "already (been )?(paid|settled|remitted)|paid already|settled already"),
  PAID(3, "has been paid", "(has|have|had) (already )?been (paid|settled)"),
  PAID(3, "was paid", "(was|were|is) (already )?(paid|settled)( in full)?"),
  PAID(3, "we paid", "(we|i) (have |ve |had |already )?(paid|settled|remitted)"),
  PAID(3, "paid in full"),
  PAID(
    3,
    "paid on / by transfer",
    "paid (it |this |that )?(on|via|by (bank )?(transfer|wire|cheque|check|card|ach))",
  ),
  PAID(3, "payment was made", "payment (was|has been|had been) (made|sent|processed|remitted|executed)"),
  PAID(3, "settled with our payment", "settled (with|by) (our |the |a )?payment"),
  PAID(2, "proof of payment", "proof of payment|payment confirmation|remittance advice"),
  PAID(1, "paid", "paid|settled"),
  PAID(1, "remittance"),
  PAID(1, "bank transfer", "(bank|wire) transfer"),
  PAID(1, "check your records", "check (your|the) records"),
  PAID(
    3,
    "bereits bezahlt",
    "(bereits|schon) (bezahlt|uberwiesen|beglichen)|wurde (bereits |schon )?(bezahlt|uberwiesen|beglichen)",
  ),
  PAID(1, "bezahlt", "bezahlt|uberwiesen|beglichen"),
  PAID(
    3,
    "deja paye",
    "deja (ete )?(paye|payee|payes|payees|regle|reglee)|ete (paye|payee|payes|payees|regle|reglee)|avons (deja )?paye",
  ),
  PAID(2, "paiement effectue", "paiement (a ete )?effectue"),
  PAID(
    3,
    "ya pagado",
    "ya (fue |esta |ha sido )?(pagad[oa]|abonad[oa])|ya (lo )?(pagamos|pague)|(fue|ha sido) pagad[oa]",
  ),
  PAID(1, "pagado", "pagad[oa]|pagamos"),

  // duplicate billing
  DUP(3, "billed twice", "(billed|charged|invoiced) (us |me |you )?(twice|two times|2 times)"),
  DUP(3, "double billed", "double (billed|billing|charged|charge|charges|invoiced|invoicing)"),
  DUP(3, "duplicate", "duplicate|duplicated|duplicates"),
  DUP(3, "same charge as", "(same|identical) (charge|invoice|bill|amount) as"),
  DUP(2, "twice for the same"),
  DUP(
    2,
    "the same order or period",
    "the same (delivery|order|shipment|service|month|charge|invoice|goods|period)",
  ),
  DUP(3, "billed again", "(billed|invoiced|charged) (us |me )?again"),
  DUP(3, "two invoices for the same", "two (invoices|bills) for (the same|one)"),
  DUP(2, "already invoiced", "already (been )?(invoiced|billed)"),
  DUP(
    3,
    "doppelt berechnet",
    "doppelt (berechnet|abgerechnet|fakturiert|belastet|in rechnung gestellt)|doppelte (rechnung|berechnung|abbuchung)|zweimal (berechnet|abgerechnet|belastet)",
  ),
  DUP(
    3,
    "facture en double",
    "(facture|factures|facturee|factures) (en double|deux fois)|double facturation|doublon",
  ),
  DUP(
    3,
    "factura duplicada",
    "(factura|cobro|cargo) duplicad[oa]|(cobrad[oa]s?|facturad[oa]s?|cobraron|facturaron) dos veces|doble (cobro|cargo|facturacion)",
  ),

  // not received
  NRX(3, "never received", "never (received|receive|got|arrived|delivered|came|showed up|turned up)"),
  NRX(3, "not received", "(not|nothing) (yet )?(been )?(received|delivered|arrived)"),
  NRX(3, "did not receive", "(did|have|has) not (yet )?(receive|arrive|get|come|show up|turn up)"),
  NRX(3, "no delivery", "no (delivery|shipment|goods|parcel|package)"),
  NRX(
    3,
    "no record of the order",
    "no record of (this |the |that |any |our |such an? )?(order|delivery|shipment|purchase|service)",
  ),
  NRX(3, "proof of delivery"),
  NRX(3, "nobody showed up", "(nobody|no one|noone) (showed|turned|came) up"),
  NRX(
    3,
    "service not performed",
    "(was|were|has|have|been) not (performed|provided|rendered|done|carried out)|never (performed|provided|rendered)",
  ),
  NRX(3, "lost in transit", "lost in (transit|the post|shipping|the mail)"),
  NRX(
    3,
    "still waiting for delivery",
    "waiting for (the |our )?(goods|delivery|shipment|order|parts|items|package|parcel)",
  ),
  NRX(2, "missing shipment", "(missing|undelivered) (shipment|delivery|order|package|parcel)"),
  NRX(
    3,
    "nicht erhalten",
    "(nicht|nie) (erhalten|geliefert|angekommen|bekommen|zugestellt)|keine (lieferung|ware)",
  ),
  NRX(
    3,
    "pas recu",
    "(pas|jamais|non) (encore )?(ete )?(recu|recue|recus|livre|livree|livres|arrive|arrivee)|aucune livraison",
  ),
  NRX(
    3,
    "no recibido",
    "(no|nunca) (hemos |he |lo )?(recibido|recibimos|recibi|llego|ha llegado|llegaron|entregad[oa]|fue entregad[oa])",
  ),

  // damaged
  DMG(3, "damaged", "damaged|damage|damages"),
  DMG(3, "broken", "broken|broke"),
  DMG(3, "defective", "defective|defect|defects|faulty"),
  DMG(
    3,
    "cracked",
    "cracked|smashed|dented|crushed|shattered|torn|leaking|leaked|rusted|spoiled|spoilt|mouldy|moldy|rotten",
  ),
  DMG(
    3,
    "does not work",
    "(does|do|did|is|are|was|were) not (work|working|function|functioning|turn on|power on|start)|stopped working|dead on arrival",
  ),
  DMG(3, "malfunction", "malfunction\\w*"),
  DMG(2, "poor quality", "(poor|bad|low) quality|substandard|unusable|not usable|not fit for purpose"),
  DMG(1, "returned", "returned|return (the|them|it|these)"),
  DMG(1, "photos", "photos?|pictures?"),
  DMG(1, "replacement", "replacement|replace (the|them|it)"),
  DMG(3, "beschadigt", "beschadigt\\w*|defekt\\w*|kaputt\\w*|zerbrochen|funktioniert nicht|mangelhaft"),
  DMG(3, "endommage", "endommage\\w*|abime\\w*|casse|cassee|casses|defectueu\\w*|ne (fonctionne|marche) pas"),
  DMG(3, "danado", "danad[oa]s?|rot[oa]s?|defectuos[oa]s?|averiad[oa]s?|no funciona\\w*"),

  // quantity
  QTY(
    3,
    "short shipment",
    "short (shipment|shipped|delivery|delivered|ship|shipping|pick)|shorted|short by \\d+",
  ),
  QTY(3, "only received N", "(only|just) (received|got|delivered|arrived|shipped) \\d+|received only \\d+"),
  QTY(2, "N of M", "\\d+ of (the )?\\d+"),
  QTY(3, "billed for N", "(billed|invoiced|charged) (us )?for \\d+"),
  QTY(3, "N units not M", "\\d+ (units|items|cases|pieces|boxes|pallets|cartons|pcs|bags) not \\d+"),
  QTY(
    3,
    "wrong quantity",
    "(wrong|incorrect) (quantity|quantities|number of|count|qty)|(quantity|qty) (is |was )?(wrong|incorrect)",
  ),
  QTY(2, "quantity", "quantity|quantities|qty"),
  QTY(
    2,
    "missing items",
    "(units|items|cases|pieces|boxes|parts) (were |are )?missing|missing (items|units|cases|pieces|boxes|parts|lines)",
  ),
  QTY(
    3,
    "partial delivery",
    "(partial|incomplete) (delivery|shipment|order)|(delivery|shipment|order) (was |is )?incomplete",
  ),
  QTY(
    2,
    "fewer than ordered",
    "fewer (units|items|cases|pieces|boxes) than|less than (we )?ordered|more than (we )?(ordered|received)",
  ),
  QTY(2, "units billed", "(units|items|cases|pieces) billed"),
  QTY(1, "receiving log", "receiving (log|report|record)|packing (slip|list)|delivery note"),
  QTY(
    3,
    "falsche menge",
    "falsche (menge|stuckzahl)|menge (stimmt nicht|ist falsch)|zu wenig (geliefert|erhalten)|teillieferung|unvollstandig\\w*",
  ),
  QTY(2, "menge", "menge|stuckzahl"),
  QTY(
    3,
    "quantite incorrecte",
    "quantite (incorrecte|erronee|fausse)|livraison (partielle|incomplete)|manquant\\w*",
  ),
  QTY(2, "quantite"),
  QTY(
    3,
    "cantidad incorrecta",
    "cantidad (incorrecta|erronea|equivocada)|entrega (parcial|incompleta)|faltan|faltaron",
  ),
  QTY(2, "cantidad"),

  // pricing
  PRC(3, "overcharged", "overcharg\\w*|over charg\\w*|overbill\\w*|over bill\\w*"),
  PRC(3, "unit price", "per unit|unit price|unit cost|price per|per piece|per item"),
  PRC(3, "wrong price", "(wrong|incorrect|higher|different) (price|prices|pricing|rate|rates)"),
  PRC(
    3,
    "price increase",
    "price (increase|change|difference|discrepancy|is wrong|was wrong)|(increased|higher) prices?",
  ),
  PRC(
    3,
    "higher than agreed",
    "higher than (our |the |what was |what we )?(contract|contracted|agreed|quote|quoted|quotation|price list|po)",
  ),
  PRC(
    3,
    "agreed price",
    "not what (i|we) (was|were) quoted|(agreed|contract|contracted|quoted|list) (price|prices|rate|rates|pricing)",
  ),
  PRC(2, "price", "price|prices|pricing|priced"),
  PRC(
    3,
    "agreed discount",
    "(agreed|promised|volume|contract|contracted|early payment) (discount|rebate)|discount (we|was|were) (agreed|promised)|(missing|without the) discount",
  ),
  PRC(2, "discount", "discount|discounts|rebate"),
  PRC(2, "quoted", "quote|quoted|quotation"),
  PRC(2, "too expensive", "too expensive|too much"),
  PRC(1, "rate / fee", "rate|rates|tariff|fee|fees|surcharge|tax|vat"),
  PRC(1, "contract"),
  PRC(3, "falscher preis", "falscher preis|preis (ist )?falsch|uberhoht\\w*|zu teuer|preiserhohung"),
  PRC(2, "preis", "preis|preise|rabatt|skonto|angebot"),
  PRC(3, "prix incorrect", "prix (incorrect|errone|trop eleve)|trop cher|surfactur\\w*"),
  PRC(2, "prix", "prix|tarif|remise|rabais|devis"),
  PRC(3, "precio incorrecto", "precio (incorrecto|equivocado)|sobreprecio|cobro excesivo|demasiado caro"),
  PRC(2, "precio", "precio|precios|descuento|tarifa|cotizacion|presupuesto"),

  // other (administrative: paperwork, the wrong addressee, authorisation)
  OTH(3, "no purchase order", "(no|without|missing) (approved |valid )?(po|purchase order)( number)?"),
  OTH(2, "purchase order", "po number|purchase order|bestellnummer|bon de commande|orden de compra"),
  OTH(
    3,
    "wrong entity",
    "wrong (entity|company|address|customer|account|legal entity|department|person|contact)|(sent|addressed|issued) to the wrong|falsche (firma|adresse|anschrift)|mauvaise (adresse|entite|societe)|direccion (equivocada|incorrecta)",
  ),
  OTH(
    2,
    "reissue to another entity",
    "reissue (it |the invoice )?to|re issue to|parent company|billing address",
  ),
  OTH(3, "timesheets", "timesheets?|time sheets?"),
  OTH(2, "awaiting approval", "awaiting approval|pending approval|before we can approve|not (yet )?approved"),
  OTH(
    3,
    "cancelled service",
    "(cancel|cancelled|canceled|terminated) (this |the |my |our )?(service|subscription|contract|order|account|membership)",
  ),
  OTH(
    3,
    "unrecognised charge",
    "(do|did) not recogni[sz]e|unrecogni[sz]ed|not (mine|ours)|fraud\\w*|never ordered|did not order",
  ),
  OTH(
    4,
    "invoice not received",
    "(not|never) (received|receive|got|get|seen|see) (the |your |an |this |that |any )?(invoice|bill|statement)",
  ),
  OTH(2, "resend the invoice", "resend|re send|send (us |me )?(a )?copy"),
  OTH(
    2,
    "details requested",
    "(send|need|provide) (us |me )?(the )?(details|breakdown|backup|supporting documents)",
  ),
];

/** Words that negate a following phrase (within three words). */
export const NEGATIONS: ReadonlySet<string> = new Set([
  "not",
  "no",
  "never",
  "nothing",
  "without",
  "nicht",
  "kein",
  "keine",
  "keinen",
  "nie",
  "pas",
  "jamais",
  "non",
  "nunca",
  "sin",
]);
const NEGATION_WINDOW = 3;

interface CompiledRule extends PhraseRule {
  regex: RegExp;
  negatable: boolean;
}

const COMPILED: readonly CompiledRule[] = PHRASE_RULES.map((r) => ({
  ...r,
  regex: new RegExp(`\\b(?:${r.pattern})\\b`, "g"),
  // A phrase that carries its own negation is never discounted by one.
  negatable: !r.pattern.split(/[^a-z]+/).some((word) => NEGATIONS.has(word)),
}));

/** Evaluation order: heavier first, table order among equals (a stable sort). */
const BY_WEIGHT: readonly CompiledRule[] = [...COMPILED].sort((a, b) => b.weight - a.weight);

/** The text as rules see it: lower-case ASCII words and digits separated by single spaces. */
export function normalizeDisputeText(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/ß/g, "ss")
    .replace(/[’‘`´]/g, "'")
    .replace(/\bwon't\b/g, "will not")
    .replace(/\bcan't\b/g, "can not")
    .replace(/\bcannot\b/g, "can not")
    .replace(/\bshan't\b/g, "shall not")
    .replace(/n't\b/g, " not")
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

function negated(normalized: string, index: number): boolean {
  const before = normalized.slice(0, index).trim().split(" ").slice(-NEGATION_WINDOW);
  return before.some((word) => NEGATIONS.has(word));
}

export function categorizeDispute(text: string): Categorisation {
  const normalized = normalizeDisputeText(text);
  const scores = new Map<DisputeCategory, number>();
  const matched = new Map<DisputeCategory, string[]>();
  if (normalized.length > 0) {
    // Heavier rules first, so a stretch of text counts once per category, for its strongest reading
    // ("we already paid" is "already paid", not also "we paid" and "paid").
    const claimed = new Map<DisputeCategory, [number, number][]>();
    for (const r of BY_WEIGHT) {
      const spans = claimed.get(r.category) ?? [];
      let span: [number, number] | null = null;
      for (const m of normalized.matchAll(r.regex)) {
        const start = m.index;
        const end = start + m[0].length;
        if (r.negatable && negated(normalized, start)) continue;
        if (spans.some(([s, e]) => start < e && s < end)) continue;
        span = [start, end];
        break;
      }
      if (!span) continue;
      spans.push(span);
      claimed.set(r.category, spans);
      scores.set(r.category, (scores.get(r.category) ?? 0) + r.weight);
      const labels = matched.get(r.category) ?? [];
      labels.push(r.label);
      matched.set(r.category, labels);
    }
  }
  const ranked = CATEGORY_PRIORITY.map((category) => ({ category, score: scores.get(category) ?? 0 })).sort(
    (a, b) =>
      b.score - a.score || CATEGORY_PRIORITY.indexOf(a.category) - CATEGORY_PRIORITY.indexOf(b.category),
  );
  const top = ranked[0]!;
  if (top.score === 0) return { category: "other", confidence: 0, matched: [] };
  const runnerUp = ranked[1]!.score;
  const confidence = 0.95 * Math.min(1, top.score / 3) * (top.score / (top.score + runnerUp));
  return {
    category: top.category,
    confidence: Math.round(confidence * 100) / 100,
    matched: matched.get(top.category) ?? [],
  };
}
