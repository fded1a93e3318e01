// The inbox over plain HTTP, in-process (no browser): what a page needs before it shows anything
// (a session, the CSRF token, a live key), what it sends back (escaped text, security headers), and
// the forms that work without the script.
import { MemorySaver } from "@langchain/langgraph";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ModelClient } from "../../../agents/llm/client.ts";
import { createLlmBrain } from "../../../agents/llm-brain.ts";
import { buildSupervisor, threadIdFor } from "../../../agents/supervisor.ts";
import { actions } from "../../../db/schema.ts";
import { createApiKey, revokeApiKey } from "../../../server/api-keys.ts";
import { makeContact, makeCustomer, makeInvoice } from "../../support/fixtures.ts";
import { localModelConfig, startScriptedModel } from "../../support/scripted-model.ts";
import { apiPerson, useApi } from "../api/harness.ts";

const t = useApi();

interface Browserless {
  cookie: string;
  csrf: string;
}

/** Signs in with a form post and returns the session cookie and the page's CSRF token. */
async function signIn(key: string): Promise<Browserless> {
  const response = await t.api.app.request("/sign-in", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ key, next: "/" }),
  });
  expect(response.status).toBe(303);
  const cookie = /^(arc_session=[^;]+)/.exec(response.headers.get("set-cookie") ?? "")![1]!;
  const page = await (await t.api.app.request("/", { headers: { cookie } })).text();
  const csrf = /<meta name="arc-csrf" content="([^"]+)"/.exec(page)![1]!;
  return { cookie, csrf };
}

function get(path: string, session?: Browserless, headers: Record<string, string> = {}) {
  return t.api.app.request(path, { headers: { ...(session ? { cookie: session.cookie } : {}), ...headers } });
}

function post(
  path: string,
  session: Browserless,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return t.api.app.request(path, {
    method: "POST",
    headers: { cookie: session.cookie, "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields),
  });
}

async function pendingEscalation(name: string) {
  const db = t.database.current.db;
  const customer = await makeCustomer(db, { name });
  const invoice = await makeInvoice(db, customer.id, { issueDate: "2025-10-01", dueDate: "2025-11-10" });
  const result = await t.arc.runner.call(
    "escalate_to_legal",
    { customerId: customer.id, invoiceIds: [invoice.id], reason: "ninety days past due" },
    { caller: apiPerson("collector") },
  );
  if (result.status !== "pending_approval") throw new Error(`expected pending, got ${result.status}`);
  return result.actionId;
}

describe("signing in", () => {
  it("every page sends the signed-out to sign in; the script's endpoints answer 401", async () => {
    const page = await get("/?tool=send_message");
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/sign-in?next=%2F%3Ftool%3Dsend_message");
    expect((await get("/overview")).headers.get("location")).toBe("/sign-in?next=%2Foverview");
    const queue = await get("/inbox/queue", undefined, { accept: "application/json" });
    expect(queue.status).toBe(401);
    expect(await queue.json()).toMatchObject({ error: { code: "unauthenticated" } });
    // A forged session id is no session.
    const forged = await get("/", { cookie: "arc_session=made-up", csrf: "" });
    expect(forged.headers.get("location")).toBe("/sign-in?next=%2F&reason=expired");
  });

  it("a key becomes a session: an HttpOnly, SameSite=Strict cookie with a random id, never the key", async () => {
    const response = await t.api.app.request("/sign-in", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ key: t.keys.collector, next: "/overview" }),
    });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/overview");
    const cookie = response.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^arc_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(cookie).not.toContain(t.keys.collector);
  });

  it("refuses bad keys, another site's sign-in form, and a next address off this site", async () => {
    const attempt = (key: string, headers: Record<string, string> = {}, next = "/") =>
      t.api.app.request("/sign-in", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams({ key, next }),
      });
    const unknown = await attempt(`arc_000000000000_${"A".repeat(43)}`);
    expect(unknown.status).toBe(401);
    expect(await unknown.text()).toContain("Unknown API key.");
    expect(unknown.headers.get("set-cookie")).toBeNull();
    expect(await (await attempt("password")).text()).toContain("That is not an ARC API key");
    const crossSite = await attempt(t.keys.admin, { "sec-fetch-site": "cross-site" });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get("set-cookie")).toBeNull();
    for (const next of ["https://evil.example/", "//evil.example/", "/\\evil.example"]) {
      expect((await attempt(t.keys.admin, {}, next)).headers.get("location")).toBe("/");
    }
  });

  it("a revoked key ends its sessions at their next request; sign-out ends the session", async () => {
    const db = t.database.current.db;
    const temporary = await createApiKey(db, { name: "temp", role: "collector" }, "test");
    const session = await signIn(temporary.secret);
    expect((await get("/", session)).status).toBe(200);
    await revokeApiKey(db, temporary.key.prefix, "test");
    const after = await get("/", session);
    expect(after.headers.get("location")).toBe("/sign-in?next=%2F&reason=revoked");
    expect(after.headers.get("set-cookie")).toMatch(/^arc_session=; Max-Age=0; Path=\//);

    const other = await signIn(t.keys.collector);
    const out = await post("/sign-out", other, { _csrf: other.csrf });
    expect(out.headers.get("location")).toBe("/sign-in?reason=signed-out");
    expect(out.headers.get("set-cookie")).toMatch(/^arc_session=; Max-Age=0/);
    expect((await get("/", other)).status).toBe(303);
  });
});

describe("pages", () => {
  it("escape customer text and carry a strict Content-Security-Policy", async () => {
    const name = `<img src=x onerror="alert(1)"> & "Quotes" Ltd`;
    const db = t.database.current.db;
    const customer = await makeCustomer(db, { name });
    const invoice = await makeInvoice(db, customer.id, { issueDate: "2025-10-01", dueDate: "2025-11-10" });
    const proposed = await t.arc.runner.call(
      "escalate_to_legal",
      { customerId: customer.id, invoiceIds: [invoice.id], reason: "</textarea><script>alert(2)</script>" },
      { caller: apiPerson("collector") },
    );
    if (proposed.status !== "pending_approval") throw new Error(proposed.status);
    const session = await signIn(t.keys.viewer);
    const response = await get(`/?selected=${proposed.actionId}`, session);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("cache-control")).toBe("no-store");
    const html = await response.text();
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &quot;Quotes&quot; Ltd");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;/textarea&gt;&lt;script&gt;alert(2)&lt;/script&gt;");
    expect(html).not.toMatch(/<script>alert/);
    // The only script is the inbox's own file.
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script src="/assets/inbox.js" defer="">']);
  });

  it("serve the script and the stylesheet with their types, and revalidate them by ETag", async () => {
    const script = await get("/assets/inbox.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const etag = script.headers.get("etag")!;
    expect((await get("/assets/inbox.js", undefined, { "if-none-match": etag })).status).toBe(304);
    expect((await get("/assets/inbox.css")).headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect((await get("/assets/nothing.js")).status).toBe(404);
  });

  it("the queue endpoint gives the items as the page renders them, and says when the shown one is gone", async () => {
    const actionId = await pendingEscalation("Polled Ltd");
    const session = await signIn(t.keys.viewer);
    const queue = await t.json<{ ids: string[]; html: string; selectedPending: boolean; total: number }>(
      await get(`/inbox/queue?customer=polled&selected=${actionId}`, session, { accept: "application/json" }),
      200,
    );
    expect(queue).toMatchObject({ ids: [actionId], total: 1, selectedPending: true });
    expect(queue.html).toContain(`data-id="${actionId}"`);
    expect(queue.html).toContain('aria-current="true"');
    await t.arc.runner.decide(actionId, { decision: "reject", note: "not now" }, apiPerson("collector"));
    const after = await t.json<{ ids: string[]; selectedPending: boolean }>(
      await get(`/inbox/queue?customer=polled&selected=${actionId}`, session, { accept: "application/json" }),
      200,
    );
    expect(after).toMatchObject({ ids: [], selectedPending: false });
    const panel = await (await get(`/inbox/proposals/${actionId}`, session)).text();
    expect(panel).toContain("This proposal is no longer waiting");
    expect(panel).toContain("rejected by api:tester-collector");
  });

  it("a filter the queue refuses is said on the page", async () => {
    const session = await signIn(t.keys.viewer);
    const html = await (await get("/?tool=Not-A-Tool", session)).text();
    expect(html).toContain("The filters were refused");
    expect(html).toContain("must be a tool name like send_message");
  });
});

describe("decisions from forms", () => {
  it("need the session's CSRF token, from this site", async () => {
    const actionId = await pendingEscalation("Forged Co");
    const session = await signIn(t.keys.collector);
    const path = `/inbox/proposals/${actionId}/decision`;
    const json = { accept: "application/json" };
    for (const [fields, headers] of [
      [{ decision: "approve" }, json],
      [{ decision: "approve", _csrf: "not-the-token" }, json],
      [{ decision: "approve" }, { ...json, "x-csrf-token": session.csrf, "sec-fetch-site": "cross-site" }],
    ] as const) {
      const refused = await post(path, session, fields, headers);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ error: { code: "csrf_refused" } });
    }
    const [action] = await t.database.current.db.select().from(actions).where(eq(actions.id, actionId));
    expect(action!.status).toBe("pending");
  });

  it("work without the script: a refusal shows the page again with what was typed; success returns to the queue", async () => {
    const actionId = await pendingEscalation("No Script Ltd");
    const session = await signIn(t.keys.collector);
    const path = `/inbox/proposals/${actionId}/decision`;
    const refused = await post(path, session, {
      _csrf: session.csrf,
      decision: "reject",
      note: "   ",
      return_to: "?customer=no+script",
    });
    expect(refused.status).toBe(422);
    const html = await refused.text();
    expect(html).toContain("a rejection needs the collector&#39;s reason");
    expect(html).toContain(`data-action-id="${actionId}"`);

    const done = await post(path, session, {
      _csrf: session.csrf,
      decision: "reject",
      note: "paid by cheque",
      return_to: "?customer=no+script",
    });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("/?customer=no+script");
    const next = await (await get("/?customer=no+script", session)).text();
    expect(next).toContain("Rejected.");
    const [action] = await t.database.current.db.select().from(actions).where(eq(actions.id, actionId));
    expect(action).toMatchObject({ status: "rejected", decisionNote: "paid by cheque" });
  });

  it("refuse a form larger than any message", async () => {
    const actionId = await pendingEscalation("Big Form Co");
    const session = await signIn(t.keys.collector);
    const response = await post(`/inbox/proposals/${actionId}/decision`, session, {
      _csrf: session.csrf,
      decision: "approve",
      note: "x".repeat(300 * 1024),
    });
    expect(response.status).toBe(413);
  });

  it("an edit's JSON is checked: malformed JSON and a refused input are named", async () => {
    const actionId = await pendingEscalation("Json Edit Co");
    const session = await signIn(t.keys.collector);
    const path = `/inbox/proposals/${actionId}/decision`;
    const accept = { accept: "application/json" };
    const malformed = await post(
      path,
      session,
      { _csrf: session.csrf, decision: "edit", input: "{" },
      accept,
    );
    expect(malformed.status).toBe(422);
    expect(await malformed.json()).toMatchObject({
      error: { message: expect.stringContaining("body.input: not valid JSON") },
    });
    const invalid = await post(
      path,
      session,
      { _csrf: session.csrf, decision: "edit", input: '{"invoiceIds": []}' },
      accept,
    );
    expect(invalid.status).toBe(422);
    expect(await invalid.json()).toMatchObject({
      error: { code: "invalid_input", message: expect.stringMatching(/^customerId: /) },
    });
  });
});

describe("a proposal the LLM brain judged", () => {
  it("shows the model's rationale and the options it did not take", async () => {
    const model = await startScriptedModel();
    try {
      const db = t.database.current.db;
      const customer = await makeCustomer(db, { name: "Judged Co" });
      await makeContact(db, customer.id, { email: "ap@judged.example" });
      // Over the large-balance threshold: the message waits for a collector.
      await makeInvoice(db, customer.id, {
        amountMinor: 2_500_000,
        issueDate: "2026-01-01",
        dueDate: "2026-02-10",
      });
      model.fallback((request) =>
        request.tools?.[0]?.function.name === "next_action"
          ? {
              json: {
                choice: "planned",
                rationale: "A large balance from a prompt payer: a written reminder first.",
              },
            }
          : { status: 500 },
      );
      const config = localModelConfig(model.url);
      const supervisor = buildSupervisor({
        runner: t.arc.runner,
        brain: createLlmBrain(new ModelClient(config), config),
        checkpointer: new MemorySaver(),
      });
      const runId = crypto.randomUUID();
      await supervisor.invoke(
        {
          customerId: customer.id,
          asOf: "2026-03-02",
          now: "2026-03-02T12:00:00.000Z",
          runId,
          dryRun: false,
        },
        { configurable: { thread_id: threadIdFor(runId, customer.id) } },
      );
      const [pending] = await db.select().from(actions).where(eq(actions.customerId, customer.id));
      expect(pending).toMatchObject({ tool: "send_message", status: "pending" });
      const session = await signIn(t.keys.collector);
      const panel = await (await get(`/inbox/proposals/${pending!.id}`, session)).text();
      expect(panel).toContain(
        "model&#39;s judgment (local-llama): A large balance from a prompt payer: a written reminder first.",
      );
      expect(panel).toContain("a person calls instead: a call task for a collector");
      expect(panel).toContain("No outreach today");
    } finally {
      await model.close();
    }
  });
});
