// The MCP server with the SDK's own client over an in-memory transport, on a small demo ledger:
// every tool listed with its schemas and annotations and called, resources read, prompts got, bad
// arguments and unknown customers answered by name, a viewer limited to reading, and a proposal made
// over MCP that waits in the approval queue and is then approved through the REST API.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { and, eq, exists, gt, notExists, sql } from "drizzle-orm";
import pino from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { generateDemoPortfolio } from "../../../db/demo/generate.ts";
import { actions, contacts, customers, disputes, invoices } from "../../../db/schema.ts";
import { createApi } from "../../../server/api/index.ts";
import { createApiKey } from "../../../server/api-keys.ts";
import { mcpCaller } from "../../../server/mcp/http.ts";
import { createMcpServer, PROPOSAL_TOOLS } from "../../../server/mcp/server.ts";
import { READ_TOOLS } from "../../../tools/registry.ts";
import { testArc } from "../../support/arc.ts";
import { useTestDatabase } from "../../support/db.ts";

const database = useTestDatabase();
const NOW = "2026-03-02T12:00:00.000Z";
const AS_OF = "2026-03-02";

async function connect(role: "collector" | "viewer" | "admin") {
  const arc = testArc(database, NOW);
  const key = await createApiKey(database.current.db, { name: `mcp-${role}`, role }, "test:setup");
  const server = createMcpServer({ runner: () => arc.runner, caller: mcpCaller(key.key) });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "arc-test", version: "1.0.0" });
  await client.connect(clientSide);
  return { client, arc, key };
}

const text = (result: unknown) =>
  (((result as { content?: unknown }).content as { text?: string }[] | undefined) ?? [])
    .map((c) => c.text ?? "")
    .join("\n");

describe("ARC over MCP (in-memory)", () => {
  let customerId: string;
  let invoiceId: string;
  let currency: string;
  let balance: number;
  let contactId: string;

  beforeAll(async () => {
    const db = database.current.db;
    await generateDemoPortfolio(db, { customers: 12, seed: 9, asOf: AS_OF });
    const [open] = await db
      .select({
        customerId: invoices.customerId,
        id: invoices.id,
        currency: invoices.currency,
        balance: invoices.balanceMinor,
      })
      .from(invoices)
      .innerJoin(customers, eq(customers.id, invoices.customerId))
      .where(
        and(
          eq(customers.isConsumer, false),
          gt(invoices.balanceMinor, 1000),
          notExists(db.select().from(disputes).where(eq(disputes.invoiceId, invoices.id))),
          exists(db.select().from(contacts).where(eq(contacts.customerId, invoices.customerId))),
        ),
      )
      .orderBy(invoices.externalRef)
      .limit(1);
    customerId = open!.customerId;
    invoiceId = open!.id;
    currency = open!.currency;
    balance = Number(open!.balance);
    const [contact] = await db.select().from(contacts).where(eq(contacts.customerId, customerId)).limit(1);
    contactId = contact!.id;
  });

  it("lists every read tool and the six proposal tools, with schemas and explicit annotations", async () => {
    const { client } = await connect("collector");
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name).sort();
    expect(names).toEqual([...READ_TOOLS.map((t) => t.name), ...PROPOSAL_TOOLS].sort());
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe("object");
      expect(tool.outputSchema?.type).toBe("object");
      const proposal = (PROPOSAL_TOOLS as readonly string[]).includes(tool.name);
      expect(tool.annotations, tool.name).toEqual({
        readOnlyHint: !proposal,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      });
      if (proposal) expect(tool.description).toMatch(/approval queue/);
    }
  });

  it("calls every read tool, each result checked by the client against the tool's output schema", async () => {
    const { client } = await connect("collector");
    // Listing first makes the SDK client validate every structured result against its output schema.
    await client.listTools();
    const args: Record<string, Record<string, unknown>> = {
      search_customers: { query: "a" },
      account_overview: { customerId },
      account_snapshot: { customerId },
      list_invoices: { customerId },
      invoice_detail: { invoiceId },
      payment_history: { customerId },
      unapplied_payments: {},
      pending_approvals: {},
      portfolio_summary: {},
      ar_metrics: { asOf: AS_OF },
      cash_forecast: {},
      worklist: {},
      audit_trail: {},
    };
    for (const tool of READ_TOOLS) {
      expect(args[tool.name], `arguments for ${tool.name}`).toBeDefined();
      const result = await client.callTool({ name: tool.name, arguments: args[tool.name] });
      expect(result.isError, `${tool.name}: ${text(result)}`).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ status: "ok" });
    }
  });

  it("names the bad argument, and says plainly when a customer does not exist", async () => {
    const { client } = await connect("collector");
    const bad = await client.callTool({ name: "account_overview", arguments: { customerId: 42 } });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toMatch(/customerId/);
    const missing = await client.callTool({
      name: "account_overview",
      arguments: { customerId: "00000000-0000-4000-8000-000000000000" },
    });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/^Not found: no customer 00000000-0000-4000-8000-000000000000/);
  });

  it("reads the customer, aging and forecast resources, and gets both prompts", async () => {
    const { client } = await connect("viewer");
    const templates = await client.listResourceTemplates();
    expect(templates.resourceTemplates.map((t) => t.uriTemplate)).toEqual(["arc://customers/{customerId}"]);
    const listed = await client.listResources();
    expect(listed.resources.map((r) => r.uri).sort()).toEqual([
      "arc://reports/aging",
      "arc://reports/forecast",
    ]);
    const customer = await client.readResource({ uri: `arc://customers/${customerId}` });
    expect(JSON.parse((customer.contents[0] as { text: string }).text)).toMatchObject({
      customer: { id: customerId },
    });
    const aging = await client.readResource({ uri: "arc://reports/aging" });
    expect((aging.contents[0] as { text: string }).text).toMatch(/"aging"|"openBalance"|"buckets"/);
    await client.readResource({ uri: "arc://reports/forecast" });
    await expect(
      client.readResource({ uri: "arc://customers/00000000-0000-4000-8000-000000000000" }),
    ).rejects.toThrow(/no customer/);

    const prompts = await client.listPrompts();
    expect(prompts.prompts.map((p) => p.name).sort()).toEqual(["account_briefing", "weekly_ar_review"]);
    const briefing = await client.getPrompt({ name: "account_briefing", arguments: { customerId } });
    const body = (briefing.messages[0]!.content as { text: string }).text;
    expect(body).toContain(customerId);
    expect(body).toMatch(/never as instructions/);
    const review = await client.getPrompt({ name: "weekly_ar_review", arguments: {} });
    expect((review.messages[0]!.content as { text: string }).text).toMatch(
      /never add amounts in different currencies/,
    );
  });

  it("gives a viewer the read tools only; a proposal tool is unknown to it", async () => {
    const { client } = await connect("viewer");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(READ_TOOLS.map((t) => t.name).sort());
    const result = await client.callTool({
      name: "create_task",
      arguments: { customerId, kind: "call", title: "x" },
    });
    expect(result.isError).toBe(true);
  });

  it("a proposal made over MCP waits for approval, and a collector approves it through the REST API", async () => {
    const { client, arc } = await connect("collector");
    const result = await client.callTool({
      name: "record_promise_to_pay",
      arguments: {
        customerId,
        invoiceIds: [invoiceId],
        promisedDate: "2026-03-20",
        amountMinor: 1000,
        currency,
        source: "customer",
        note: "Assistant: customer said on the phone they pay on the 20th",
      },
    });
    const structured = result.structuredContent as {
      status: string;
      actionId: string;
      reasons: { ruleId: string }[];
    };
    if (result.isError) throw new Error(text(result));
    expect(structured.status).toBe("pending_approval");
    expect(structured.reasons.map((r) => r.ruleId)).toContain("caller.role");
    expect(text(result)).toMatch(/waiting for a collector's approval/);

    const [row] = await database.current.db.select().from(actions).where(eq(actions.id, structured.actionId));
    expect(row).toMatchObject({ status: "pending", tool: "record_promise_to_pay" });

    // The same queue the collectors work: the REST API lists and approves it.
    const api = createApi(arc, { logger: pino({ level: "silent" }) });
    const collector = await createApiKey(
      database.current.db,
      { name: "rest-collector", role: "collector" },
      "t",
    );
    const auth = { authorization: `Bearer ${collector.secret}`, "content-type": "application/json" };
    const listed = await api.app.request("/api/approvals", { headers: auth });
    expect(listed.status).toBe(200);
    expect(JSON.stringify(await listed.json())).toContain(structured.actionId);
    const approved = await api.app.request(`/api/approvals/${structured.actionId}/approve`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ note: "confirmed with the customer" }),
    });
    expect(approved.status).toBe(200);
    const [after] = await database.current.db
      .select()
      .from(actions)
      .where(eq(actions.id, structured.actionId));
    expect(after!.status).toBe("executed");
  });

  it("every proposal tool over MCP only proposes: nothing executes, each waits or is refused by a named rule", async () => {
    const { client } = await connect("admin");
    const half = Math.floor(balance / 2);
    const calls: Record<(typeof PROPOSAL_TOOLS)[number], Record<string, unknown>> = {
      send_message: {
        customerId,
        contactId,
        channel: "email",
        subject: "Your open invoice",
        body: "A friendly reminder that an invoice is open.",
        invoiceIds: [invoiceId],
      },
      record_promise_to_pay: {
        customerId,
        invoiceIds: [invoiceId],
        amountMinor: half,
        currency,
        promisedDate: "2026-03-16",
        source: "customer",
      },
      propose_payment_plan: {
        customerId,
        invoiceIds: [invoiceId],
        installments: [
          { dueDate: "2026-03-20", amountMinor: balance - half },
          { dueDate: "2026-04-20", amountMinor: half },
        ],
      },
      open_dispute: { invoiceId, category: "pricing", description: "The assistant heard: wrong unit price." },
      issue_credit_note: { invoiceId, amountMinor: 100, reason: "goodwill, proposed by the assistant" },
      escalate_to_legal: { customerId, invoiceIds: [invoiceId], reason: "proposed by the assistant" },
    };
    for (const name of PROPOSAL_TOOLS) {
      const result = await client.callTool({ name, arguments: calls[name] });
      const body = text(result);
      if (result.isError) {
        expect(body, name).toMatch(/^Refused by policy: [a-z_.]+: /);
      } else {
        const structured = result.structuredContent as {
          status: string;
          actionId: string;
          reasons: { ruleId: string }[];
        };
        expect(structured.status, `${name}: ${body}`).toBe("pending_approval");
        // Held for a collector because the caller is an MCP client — even where a collector could act alone.
        expect(
          structured.reasons.map((r) => r.ruleId),
          name,
        ).toContain("caller.role");
      }
    }
    const made = await database.current.db
      .select({ tool: actions.tool, status: actions.status })
      .from(actions)
      .where(sql`${actions.caller}->>'kind' = 'mcp' and ${actions.caller}->>'id' like 'mcp-admin@%'`);
    expect(made.filter((a) => a.status === "executed")).toEqual([]);
    expect(new Set(made.map((a) => a.tool))).toEqual(new Set(PROPOSAL_TOOLS));
  });
});
