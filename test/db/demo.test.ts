import type postgres from "postgres";
import { beforeAll, describe, expect, it } from "vitest";
import { type DemoSummary, generateDemoPortfolio, LedgerNotEmptyError } from "../../db/demo/generate.ts";
import { useTestDatabase } from "../support/db.ts";

const database = useTestDatabase();
const AS_OF = "2025-06-30";
const TABLES = [
  "customers",
  "contacts",
  "invoices",
  "payments",
  "payment_applications",
  "disputes",
  "promises_to_pay",
  "communications",
] as const;

/** Row count and an md5 over every column of every row, per table, in id order. */
async function digest(sql: postgres.Sql): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const table of TABLES) {
    const [row] = await sql.unsafe<{ n: number; h: string }[]>(
      `select count(*)::int as n, md5(coalesce(string_agg(t::text, E'\\n' order by t.id), '')) as h from ${table} t`,
    );
    result[table] = `${row?.n}:${row?.h}`;
  }
  return result;
}

async function emptyLedger(sql: postgres.Sql): Promise<void> {
  await sql.unsafe(`truncate ${TABLES.join(", ")} cascade`);
}

/** One number from a query returning a single `n`. */
async function count(sql: postgres.Sql, query: string): Promise<number> {
  const [row] = await sql.unsafe<{ n: number }[]>(query);
  return Number(row?.n);
}

const withoutMs = ({ ms: _ms, ...rest }: DemoSummary) => rest;

describe("generateDemoPortfolio", () => {
  let summary: DemoSummary;
  let firstDigest: Record<string, string>;

  beforeAll(async () => {
    summary = await generateDemoPortfolio(database.current.db, { asOf: AS_OF });
    firstDigest = await digest(database.current.sql);
  }, 60_000);

  it("fills an empty ledger with a default-size portfolio and reports what it wrote", async () => {
    const sql = database.current.sql;
    expect(summary).toMatchObject({ customers: 300, seed: 1, asOf: AS_OF });
    expect(summary.invoices).toBeGreaterThan(3400);
    expect(summary.invoices).toBeLessThan(4800);
    const actual = {
      customers: await count(sql, "select count(*) as n from customers"),
      contacts: await count(sql, "select count(*) as n from contacts"),
      invoices: await count(sql, "select count(*) as n from invoices"),
      payments: await count(sql, "select count(*) as n from payments"),
      unappliedPayments: await count(sql, "select count(*) as n from payments where applied_minor = 0"),
      applications: await count(sql, "select count(*) as n from payment_applications"),
      disputes: await count(sql, "select count(*) as n from disputes"),
      promises: await count(sql, "select count(*) as n from promises_to_pay"),
      communications: await count(sql, "select count(*) as n from communications"),
    };
    expect(summary).toMatchObject(actual);
  });

  it("has consumers, places, currencies, strategic accounts and every stop flag", async () => {
    const sql = database.current.sql;
    const consumers = await count(sql, "select count(*) as n from customers where is_consumer");
    expect(consumers).toBeGreaterThanOrEqual(24);
    expect(consumers).toBeLessThanOrEqual(36);
    const currencies = (await sql`select distinct currency from customers`).map((r) => r.currency);
    expect(currencies).toEqual(expect.arrayContaining(["USD", "EUR", "GBP", "CAD"]));
    const zones = (await sql`select distinct timezone from customers`).map((r) => r.timezone);
    expect(zones).toEqual(
      expect.arrayContaining([
        "America/New_York",
        "America/Chicago",
        "America/Los_Angeles",
        "America/Toronto",
        "Europe/London",
        "Europe/Berlin",
        "Europe/Paris",
        "Europe/Madrid",
      ]),
    );
    expect(await count(sql, "select count(*) as n from customers where region = 'MA'")).toBeGreaterThan(0);
    expect(
      await count(sql, "select count(*) as n from customers where strategic and owner is not null"),
    ).toBe(await count(sql, "select count(*) as n from customers where strategic"));
    expect(await count(sql, "select count(*) as n from customers where strategic")).toBeGreaterThanOrEqual(3);
    for (const flag of [
      "do_not_contact_at",
      "cease_communication_at",
      "bankruptcy_filed_at",
      "legal_hold_at",
    ]) {
      const n = await count(sql, `select count(*) as n from customers where ${flag} is not null`);
      expect(n, flag).toBeGreaterThanOrEqual(3);
      expect(n, flag).toBeLessThanOrEqual(15);
    }
    expect(await count(sql, "select count(*) as n from customers where external_ref !~ '^C-[0-9]{6}$'")).toBe(
      0,
    );
    const terms = (await sql`select distinct payment_terms_days as t from customers order by 1`).map(
      (r) => r.t,
    );
    expect(terms).toEqual([15, 30, 45, 60]);
    // Consumers are individuals with one contact and no credit limit; businesses have limits.
    expect(
      await count(
        sql,
        "select count(*) as n from customers where is_consumer and credit_limit_minor is not null",
      ),
    ).toBe(0);
    expect(
      await count(
        sql,
        "select count(*) as n from customers where not is_consumer and credit_limit_minor is null",
      ),
    ).toBe(0);
  });

  it("gives every customer 1–3 contacts, one primary, with per-channel consents for some", async () => {
    const sql = database.current.sql;
    const perCustomer = await sql`
      select c.id, count(k.id)::int as contacts, count(*) filter (where k.is_primary)::int as primaries
      from customers c left join contacts k on k.customer_id = c.id group by c.id`;
    expect(perCustomer.every((r) => r.contacts >= 1 && r.contacts <= 3 && r.primaries === 1)).toBe(true);
    const withSms = await count(sql, "select count(*) as n from contacts where sms_consent_at is not null");
    const withCall = await count(sql, "select count(*) as n from contacts where call_consent_at is not null");
    const total = await count(sql, "select count(*) as n from contacts");
    expect(withSms).toBeGreaterThan(0);
    expect(withSms).toBeLessThan(total / 2);
    expect(withCall).toBeGreaterThan(0);
    expect(withCall).toBeLessThan(total);
    expect(
      await count(
        sql,
        "select count(*) as n from contacts where sms_opted_out_at is not null or call_opted_out_at is not null or email_opted_out_at is not null",
      ),
    ).toBeGreaterThan(0);
    // SMS preferred only with consent; nobody is reachable only at a real-looking address.
    expect(
      await count(
        sql,
        "select count(*) as n from contacts where preferred_channel = 'sms' and sms_consent_at is null",
      ),
    ).toBe(0);
    expect(
      await count(
        sql,
        "select count(*) as n from contacts where email is not null and email !~ '@([a-z0-9.]+\\.example|example\\.(com|net|org))$'",
      ),
    ).toBe(0);
  });

  it("keeps the ledger consistent: triggers' totals match the applications and nothing is over-paid", async () => {
    const sql = database.current.sql;
    expect(
      await count(
        sql,
        `select count(*) as n from invoices i
         where i.paid_minor <> coalesce((select sum(a.amount_minor) from payment_applications a where a.invoice_id = i.id), 0)`,
      ),
    ).toBe(0);
    expect(
      await count(
        sql,
        `select count(*) as n from payments p
         where p.applied_minor <> coalesce((select sum(a.amount_minor) from payment_applications a where a.payment_id = p.id), 0)`,
      ),
    ).toBe(0);
    expect(await count(sql, "select count(*) as n from invoices where paid_minor > amount_minor")).toBe(0);
    // A payment is either fully applied (history) or not at all (waiting for cash application).
    expect(
      await count(
        sql,
        "select count(*) as n from payments where applied_minor > 0 and applied_minor < amount_minor",
      ),
    ).toBe(0);
    // closed_at is the date of the payment that settled the invoice, and set exactly when paid up.
    expect(
      await count(
        sql,
        `select count(*) as n from invoices i where (i.balance_minor = 0) <> (i.closed_at is not null)
           or (i.closed_at is not null and (i.closed_at at time zone 'UTC')::date <> (
             select max(p.received_on) from payment_applications a join payments p on p.id = a.payment_id
             where a.invoice_id = i.id))`,
      ),
    ).toBe(0);
    expect(
      await count(
        sql,
        "select count(*) as n from invoices i join customers c on c.id = i.customer_id where i.due_date <> i.issue_date + c.payment_terms_days or i.currency <> c.currency",
      ),
    ).toBe(0);
    expect(
      await count(sql, "select count(*) as n from invoices where external_ref !~ '^INV-[0-9]{4}-[0-9]{6}$'"),
    ).toBe(0);
    expect(
      await count(
        sql,
        "select count(*) as n from invoices where issue_date < date '2025-06-30' - 550 or issue_date >= date '2025-06-30'",
      ),
    ).toBe(0);
    // Nothing happens on or after asOf, and no message waits in the outbox.
    expect(await count(sql, "select count(*) as n from payments where received_on >= '2025-06-30'")).toBe(0);
    expect(
      await count(
        sql,
        "select count(*) as n from communications where occurred_at >= '2025-06-30T00:00:00Z'",
      ),
    ).toBe(0);
    expect(await count(sql, "select count(*) as n from communications where status = 'queued'")).toBe(0);
    const applications = await sql`select distinct method, confidence, applied_by from payment_applications`;
    expect(applications).toEqual([{ method: "demo", confidence: 1, applied_by: "demo" }]);
    // Some payments settle several invoices; some invoices are partly paid.
    expect(
      await count(
        sql,
        "select count(*) as n from (select payment_id from payment_applications group by 1 having count(*) > 1) m",
      ),
    ).toBeGreaterThan(10);
    expect(
      await count(sql, "select count(*) as n from invoices where paid_minor > 0 and balance_minor > 0"),
    ).toBeGreaterThan(0);
    expect(await count(sql, "select count(*) as n from invoices where balance_minor > 0")).toBeGreaterThan(
      200,
    );
  });

  it("has open disputes on unpaid invoices, with the customer's words and an SLA", async () => {
    const sql = database.current.sql;
    const open = await sql`
      select d.category, d.description, d.sla_due_at, d.amount_minor, i.balance_minor
      from disputes d join invoices i on i.id = d.invoice_id where d.status in ('open', 'investigating')`;
    expect(open.length).toBeGreaterThanOrEqual(8);
    expect(open.filter((d) => d.balance_minor > 0).length).toBe(open.length);
    expect(open.every((d) => d.sla_due_at !== null && d.description.length > 10)).toBe(true);
    expect(new Set(open.map((d) => d.category)).size).toBeGreaterThanOrEqual(3);
    expect(await count(sql, "select count(*) as n from disputes where status = 'open'")).toBeGreaterThan(0);
  });

  it("has promises to pay: open in the future, open but already past (broken), kept and broken", async () => {
    const sql = database.current.sql;
    const n = (where: string) => count(sql, `select count(*) as n from promises_to_pay where ${where}`);
    expect(await n(`status = 'open' and promised_date >= '${AS_OF}'`)).toBeGreaterThan(0);
    expect(await n(`status = 'open' and promised_date < '${AS_OF}'`)).toBeGreaterThan(0);
    expect(await n("status = 'kept'")).toBeGreaterThan(0);
    expect(await n("status = 'broken'")).toBeGreaterThan(0);
    // Open promises are about invoices of the same customer that are still unpaid.
    expect(
      await count(
        sql,
        `select count(*) as n from promises_to_pay p cross join unnest(p.invoice_ids) as v(invoice_id)
         join invoices i on i.id = v.invoice_id
         where p.status = 'open' and (i.customer_id <> p.customer_id or i.balance_minor = 0)`,
      ),
    ).toBe(0);
  });

  it("has unapplied receipts with and without a customer, with clean, mangled and missing references", async () => {
    const sql = database.current.sql;
    const unapplied = await sql<{ customer_id: string | null; remittance_text: string | null }[]>`
      select customer_id, remittance_text from payments where applied_minor = 0`;
    expect(unapplied.length).toBeGreaterThanOrEqual(10);
    expect(unapplied.some((p) => p.customer_id === null)).toBe(true);
    expect(unapplied.some((p) => p.customer_id !== null)).toBe(true);
    const refs = new Set((await sql`select external_ref from invoices`).map((r) => r.external_ref as string));
    const texts = unapplied.map((p) => p.remittance_text ?? "");
    const exact = texts.filter((t) => (t.match(/INV-\d{4}-\d{6}/g) ?? []).some((r) => refs.has(r)));
    const mentionsInvoice = texts.filter((t) => /inv/i.test(t));
    const mangled = mentionsInvoice.filter((t) => !exact.includes(t));
    const none = texts.filter((t) => !/inv/i.test(t));
    expect(exact.length, "citing an invoice exactly").toBeGreaterThan(0);
    expect(mangled.length, "citing an invoice with a typo").toBeGreaterThan(0);
    expect(none.length, "citing no invoice").toBeGreaterThan(0);
    // Some amounts match exactly one open invoice of the payer.
    expect(
      await count(
        sql,
        `select count(*) as n from payments p where p.applied_minor = 0 and p.customer_id is not null and (
           select count(*) from invoices i where i.customer_id = p.customer_id and i.balance_minor = p.amount_minor) = 1`,
      ),
    ).toBeGreaterThan(0);
    // An unidentified payer can often be recognised by the bank account it paid from.
    expect(
      await count(
        sql,
        `select count(*) as n from payments p where p.customer_id is null and exists (
           select 1 from customers c where p.payer_account = any(c.bank_accounts))`,
      ),
    ).toBeGreaterThan(0);
  });

  it("has a contact history that respects stop flags and consents, with recent call bursts", async () => {
    const sql = database.current.sql;
    expect(
      await count(sql, "select count(*) as n from communications where direction = 'outbound'"),
    ).toBeGreaterThan(1000);
    expect(
      await count(sql, "select count(*) as n from communications where direction = 'inbound'"),
    ).toBeGreaterThan(0);
    expect(
      await count(
        sql,
        `select count(*) as n from communications m join customers c on c.id = m.customer_id
         where m.direction = 'outbound' and m.occurred_at >= least(c.do_not_contact_at, c.cease_communication_at,
           c.bankruptcy_filed_at, c.legal_hold_at, c.attorney_represented_at)`,
      ),
    ).toBe(0);
    expect(
      await count(
        sql,
        `select count(*) as n from communications m join contacts k on k.id = m.contact_id
         where m.direction = 'outbound' and m.channel = 'sms' and (k.sms_consent_at is null
           or k.sms_consent_at > m.occurred_at or k.sms_opted_out_at <= m.occurred_at)`,
      ),
    ).toBe(0);
    // Regulation F material: consumers called several times in the last seven days.
    expect(
      await count(
        sql,
        `select count(*) as n from (select m.customer_id from communications m join customers c on c.id = m.customer_id
           where c.is_consumer and m.channel = 'call' and m.direction = 'outbound'
             and m.occurred_at >= timestamptz '${AS_OF}T00:00:00Z' - interval '7 days'
           group by 1 having count(*) >= 3) x`,
      ),
    ).toBeGreaterThan(0);
    expect(
      await count(
        sql,
        "select count(*) as n from invoices where dunning_level > 0 and last_dunned_at is not null",
      ),
    ).toBeGreaterThan(100);
  });

  it("refuses a ledger that already has customers, changing nothing", async () => {
    const sql = database.current.sql;
    await expect(generateDemoPortfolio(database.current.db, { customers: 5, asOf: AS_OF })).rejects.toThrow(
      LedgerNotEmptyError,
    );
    await expect(generateDemoPortfolio(database.current.db, { customers: 5, asOf: AS_OF })).rejects.toThrow(
      /only fills an empty ledger, but this one has 300 customer/,
    );
    expect(await digest(sql)).toEqual(firstDigest);
  });

  it("rejects bad options before writing anything", async () => {
    const db = database.current.db;
    await expect(generateDemoPortfolio(db, { asOf: "2025-02-30" })).rejects.toThrow(/asOf/);
    await expect(generateDemoPortfolio(db, { customers: -1 })).rejects.toThrow(/customers/);
    await expect(generateDemoPortfolio(db, { seed: 1.5 })).rejects.toThrow(/seed/);
  });

  it("is deterministic: the same seed reproduces every row, ids and timestamps included", async () => {
    const sql = database.current.sql;
    await emptyLedger(sql);
    const again = await generateDemoPortfolio(database.current.db, { asOf: AS_OF });
    expect(withoutMs(again)).toEqual(withoutMs(summary));
    expect(await digest(sql)).toEqual(firstDigest);
  }, 60_000);

  it("makes a smaller portfolio, independent of batching, and a different one for another seed", async () => {
    const sql = database.current.sql;
    const db = database.current.db;
    await emptyLedger(sql);
    const progress: [number, number][] = [];
    const small = await generateDemoPortfolio(db, {
      customers: 50,
      seed: 7,
      asOf: AS_OF,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(small.customers).toBe(50);
    expect(small.invoices).toBeGreaterThan(400);
    expect(small.invoices).toBeLessThan(1000);
    expect(progress).toEqual([[50, 50]]);
    expect(await count(sql, "select count(*) as n from customers")).toBe(50);
    const consumers = await count(sql, "select count(*) as n from customers where is_consumer");
    expect(consumers).toBeGreaterThan(0);
    expect(consumers).toBeLessThan(12);
    const smallDigest = await digest(sql);

    await emptyLedger(sql);
    progress.length = 0;
    await generateDemoPortfolio(db, {
      customers: 50,
      seed: 7,
      asOf: AS_OF,
      batchSize: 7,
      concurrency: 1,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(await digest(sql)).toEqual(smallDigest);
    expect(progress.map(([done]) => done)).toEqual([7, 14, 21, 28, 35, 42, 49, 50]);

    await emptyLedger(sql);
    await generateDemoPortfolio(db, { customers: 50, seed: 8, asOf: AS_OF });
    const otherSeed = await digest(sql);
    for (const table of TABLES) expect(otherSeed[table], table).not.toEqual(smallDigest[table]);
  }, 60_000);
});
