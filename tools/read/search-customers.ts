import { and, asc, eq, ilike, isNotNull, or, sql } from "drizzle-orm";
import { z } from "zod";
import { customers, SEGMENTS } from "../../db/schema.ts";
import { defineTool } from "../define.ts";
import { utcDate } from "../ledger.ts";
import { page } from "../schemas.ts";

export const searchCustomers = defineTool({
  name: "search_customers",
  description:
    "Find customer accounts by name or customer number, optionally only those with overdue balances, a segment or a " +
    "flag. Returns each account's open and overdue balance per currency.",
  effect: "read",
  input: z.object({
    query: z.string().trim().max(200).optional(),
    segment: z.enum(SEGMENTS).optional(),
    overdueOnly: z.boolean().default(false),
    flag: z
      .enum([
        "do_not_contact",
        "cease_communication",
        "bankruptcy",
        "legal_hold",
        "credit_hold",
        "strategic",
        "consumer",
      ])
      .optional(),
    ...page,
  }),
  async run(input, db, ctx) {
    const today = utcDate(ctx.now);
    // Per currency, never summed across currencies: { USD: { openMinor, overdueMinor } }.
    // Correlated subqueries spell out "customers"."id": drizzle renders bare column names in a
    // one-table select, which inside the subquery would bind to invoices.id.
    const balances = sql<Record<string, { openMinor: number; overdueMinor: number }> | null>`(
      select jsonb_object_agg(b.currency, jsonb_build_object('openMinor', b.open, 'overdueMinor', b.overdue))
      from (select i.currency, sum(i.balance_minor) as open,
                   coalesce(sum(i.balance_minor) filter (where i.due_date < ${today}::date), 0) as overdue
            from invoices i where i.customer_id = "customers"."id" and i.balance_minor > 0
            group by i.currency) b)`;
    const hasOverdue = sql`exists (select 1 from invoices i where i.customer_id = "customers"."id"
      and i.balance_minor > 0 and i.due_date < ${today}::date)`;
    const flagColumn = {
      do_not_contact: isNotNull(customers.doNotContactAt),
      cease_communication: isNotNull(customers.ceaseCommunicationAt),
      bankruptcy: isNotNull(customers.bankruptcyFiledAt),
      legal_hold: isNotNull(customers.legalHoldAt),
      credit_hold: isNotNull(customers.creditHoldAt),
      strategic: eq(customers.strategic, true),
      consumer: eq(customers.isConsumer, true),
    };
    const pattern = input.query ? `%${input.query.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined;
    const rows = await db
      .select({
        id: customers.id,
        externalRef: customers.externalRef,
        name: customers.name,
        segment: customers.segment,
        currency: customers.currency,
        isConsumer: customers.isConsumer,
        strategic: customers.strategic,
        timezone: customers.timezone,
        balances,
      })
      .from(customers)
      .where(
        and(
          pattern ? or(ilike(customers.name, pattern), ilike(customers.externalRef, pattern)) : undefined,
          input.segment ? eq(customers.segment, input.segment) : undefined,
          input.flag ? flagColumn[input.flag] : undefined,
          input.overdueOnly ? hasOverdue : undefined,
        ),
      )
      .orderBy(asc(customers.name), asc(customers.id))
      .limit(input.limit)
      .offset(input.offset);
    return {
      customers: rows.map((r) => ({ ...r, balances: r.balances ?? {} })),
      limit: input.limit,
      offset: input.offset,
    };
  },
});
