// The collectors' web inbox in headless Chromium against the real server (in-process, over HTTP):
// agents' proposals from a run over a small demo portfolio wait in the queue, paused in their graphs,
// beside proposals made through the runner. A collector signs in, works the queue with the mouse and
// the keyboard, and sees the queue change as others decide; a viewer can look but not decide.
import { eq } from "drizzle-orm";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rulesBrain } from "../../../agents/rules-brain.ts";
import { generateDemoPortfolio } from "../../../db/demo/generate.ts";
import { formatAmount } from "../../../db/money.ts";
import { actions, communications, runItems } from "../../../db/schema.ts";
import { DEFAULT_POLICY } from "../../../policies/index.ts";
import type { Caller } from "../../../policies/types.ts";
import { createApiKey } from "../../../server/api-keys.ts";
import type { Arc } from "../../../server/context.ts";
import { runAccounts } from "../../../server/run.ts";
import { testArc } from "../../support/arc.ts";
import { useTestDatabase } from "../../support/db.ts";
import { makeContact, makeCustomer, makeInvoice } from "../../support/fixtures.ts";
import { type Browser, launchChromium, type RunningInbox, screenshot, startServer } from "./browser.ts";

const database = useTestDatabase();
/** The runner's clock: 10:00 in New York, inside every contact window. */
const NOW = "2026-03-02T15:00:00.000Z";
const AS_OF = "2026-03-02";
const AGENT: Caller = { kind: "agent", id: "collection", role: "agent" };
const API_USER: Caller = { kind: "api", id: "tester", role: "collector" };

let arc: Arc;
let server: RunningInbox;
let browser: Browser;
let page: Page;
const keys = { collector: "", viewer: "", admin: "" };
let adminLabel = "";
/** Agents' proposals from the run, each paused in its account's thread. */
let agentProposals: string[] = [];
let messageToEdit: { actionId: string; customerId: string; body: string };
let messageToRefuse: { actionId: string };

/** A compliant email about a balance over the approval threshold: only approval.large_balance holds it. */
function largeBalanceEmail(ref: string, balanceMinor: number, extra = "") {
  return [
    `Invoice ${ref} for ${formatAmount(balanceMinor, "USD")} USD is past due.${extra}`,
    `Pay at ${DEFAULT_POLICY.content.payLink.baseUrl}inv/${ref}`,
    DEFAULT_POLICY.content.optOut.email!.text,
  ].join("\n");
}

async function proposeLargeMessage(customerName: string) {
  const db = database.current.db;
  const customer = await makeCustomer(db, { name: customerName });
  await makeContact(db, customer.id);
  const balance = DEFAULT_POLICY.approval.largeBalanceMinor.default + 100;
  const invoice = await makeInvoice(db, customer.id, { amountMinor: balance, dueDate: "2026-02-01" });
  const body = largeBalanceEmail(invoice.externalRef, balance);
  const result = await arc.runner.call(
    "send_message",
    { customerId: customer.id, channel: "email", subject: "Past due", body, invoiceIds: [invoice.id] },
    { caller: AGENT, rationale: `${invoice.externalRef} is a month late and over the approval threshold` },
  );
  if (result.status !== "pending_approval")
    throw new Error(`expected pending, got ${JSON.stringify(result)}`);
  return {
    actionId: result.actionId,
    customerId: customer.id,
    body,
    invoiceRef: invoice.externalRef,
    balance,
  };
}

async function proposeEscalation(customerName: string) {
  const db = database.current.db;
  const customer = await makeCustomer(db, { name: customerName });
  const invoice = await makeInvoice(db, customer.id, { issueDate: "2025-10-01", dueDate: "2025-11-10" });
  const result = await arc.runner.call(
    "escalate_to_legal",
    { customerId: customer.id, invoiceIds: [invoice.id], reason: "a hundred days past due" },
    { caller: API_USER },
  );
  if (result.status !== "pending_approval")
    throw new Error(`expected pending, got ${JSON.stringify(result)}`);
  return result.actionId;
}

const actionRow = async (id: string) =>
  (await database.current.db.select().from(actions).where(eq(actions.id, id)))[0]!;

/** The API, as another collector's tool would call it, with a bearer key. */
function callApi(method: string, path: string, key: string, body?: unknown) {
  return fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
}

const shownId = () => page.locator("#proposal [data-action-id]").getAttribute("data-action-id");
const queueIds = () =>
  page
    .locator("#queue-list .queue-item")
    .evaluateAll((items) => items.map((li) => li.getAttribute("data-id")));

async function selectInQueue(id: string) {
  await page.click(`.queue-item[data-id="${id}"] a`);
  await page.waitForSelector(`#proposal [data-action-id="${id}"]`);
}

/** Clears the status line, so the next outcome is the one awaited. */
const clearStatus = () => page.locator("#inbox-status").evaluate((status) => status.replaceChildren());
/** The id of the element the keyboard is in (page scripts run in the browser: plain expressions). */
const focusedId = () => page.evaluate<string | undefined>("document.activeElement?.id");

async function outcome(): Promise<string> {
  const success = page.locator("#inbox-status .flash-success");
  const failure = page.locator("#decision-feedback .flash-error");
  await success.or(failure).first().waitFor();
  if (await failure.count()) throw new Error(`the decision was refused: ${await failure.textContent()}`);
  return (await success.textContent()) ?? "";
}

async function refusal(): Promise<string> {
  const failure = page.locator("#decision-feedback .flash-error");
  await failure.waitFor();
  return (await failure.textContent()) ?? "";
}

async function signIn(key: string, path = "/") {
  await page.goto(`${server.url}${path}`);
  await page.waitForURL(/\/sign-in\?/);
  await page.fill("#api-key", key);
  await Promise.all([page.waitForURL(`${server.url}${path}`), page.click("form[action='/sign-in'] button")]);
}

beforeAll(async () => {
  arc = testArc(database, NOW);
  const db = database.current.db;
  await generateDemoPortfolio(db, { customers: 20, seed: 6, asOf: AS_OF });
  const run = await runAccounts(arc, { asOf: AS_OF, concurrency: 2, dryRun: false, brain: rulesBrain });
  const queue = await arc.runner.call<{ approvals: { id: string; runId: string | null }[] }>(
    "pending_approvals",
    { runId: run.runId, limit: 50 },
    { caller: API_USER },
  );
  if (queue.status !== "ok") throw new Error(JSON.stringify(queue));
  agentProposals = queue.output.approvals.map((a) => a.id);
  messageToEdit = await proposeLargeMessage("Harbour Lights Trading Ltd");
  messageToRefuse = await proposeLargeMessage('<script>alert("pwned")</script> & Sons');
  for (const role of ["collector", "viewer", "admin"] as const) {
    const created = await createApiKey(db, { name: `inbox-${role}`, role }, "test:setup");
    keys[role] = created.secret;
    if (role === "admin") adminLabel = `api:inbox-admin@${created.key.prefix}`;
  }
  server = await startServer(arc);
  browser = await launchChromium();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  // Customer text must never run as script: any dialog fails the test.
  page.on("dialog", (dialog) => {
    throw new Error(`a page opened a dialog: ${dialog.message()}`);
  });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await server?.api.runs.settled();
});

describe("the web inbox in Chromium", { timeout: 120_000 }, () => {
  it("signs in with an API key (a bad one is refused) into a session cookie; every page needs it", async () => {
    expect(
      agentProposals.length,
      "the demo's first pass leaves agent proposals paused for approval",
    ).toBeGreaterThanOrEqual(2);
    await page.goto(`${server.url}/overview`);
    expect(page.url()).toBe(`${server.url}/sign-in?next=%2Foverview`);

    await page.fill("#api-key", "arc_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    await page.click("form[action='/sign-in'] button");
    await expect(page.locator("#sign-in-error").textContent()).resolves.toBe("Unknown API key.");
    await page.fill("#api-key", "not a key");
    await page.click("form[action='/sign-in'] button");
    await expect(page.locator("#sign-in-error").textContent()).resolves.toContain(
      "That is not an ARC API key",
    );
    expect(await browser.context.cookies()).toEqual([]);

    await page.fill("#api-key", keys.collector);
    await Promise.all([
      page.waitForURL(`${server.url}/overview`),
      page.click("form[action='/sign-in'] button"),
    ]);
    const [cookie] = await browser.context.cookies();
    expect(cookie).toMatchObject({ name: "arc_session", httpOnly: true, sameSite: "Strict", path: "/" });
    expect(cookie!.value).not.toContain(keys.collector.slice(17));

    // The overview: aging per currency and the 13-week forecast, as inline SVG charts.
    await expect(page.locator("svg.aging-chart rect[class^='bucket-']").count()).resolves.toBeGreaterThan(0);
    await expect(page.locator("svg.forecast-chart").count()).resolves.toBeGreaterThan(0);
    await expect(
      page.locator("svg.forecast-chart").first().locator("rect.band > title").count(),
    ).resolves.toBe(13);
    await screenshot(page, "overview.png", { fullPage: true });
  });

  it("shows the queue in priority order with customer, proposal, rule, amount and expiry; customer text stays text", async () => {
    await page.goto(server.url);
    const api = (await (
      await callApi("GET", "/api/approvals?order=priority&limit=200", keys.viewer)
    ).json()) as {
      approvals: { id: string }[];
    };
    expect(await queueIds()).toEqual(api.approvals.map((a) => a.id));

    const escaped = page.locator(`.queue-item[data-id="${messageToRefuse.actionId}"]`);
    await expect(escaped.locator(".qi-customer").textContent()).resolves.toContain(
      '<script>alert("pwned")</script> & Sons',
    );
    await expect(escaped.locator(".qi-rules").textContent()).resolves.toBe("approval.large_balance");
    await expect(escaped.locator(".qi-amount").textContent()).resolves.toBe("$10,001.00");
    await expect(escaped.locator(".expiry").textContent()).resolves.toBe("expires in 3 days");
    await expect(escaped.locator(".qi-what").textContent()).resolves.toBe("Email “Past due”");

    // The selected proposal: why, the rule, the draft, and the account's context.
    await selectInQueue(messageToEdit.actionId);
    const panel = page.locator("#proposal");
    await expect(panel.locator(".rationale").textContent()).resolves.toContain("over the approval threshold");
    await expect(panel.locator(".reasons").textContent()).resolves.toContain("approval.large_balance");
    await expect(page.inputValue("#message-body")).resolves.toBe(messageToEdit.body);
    await expect(page.inputValue("#message-subject")).resolves.toBe("Past due");
    await expect(page.inputValue("#message-channel")).resolves.toBe("email");
    for (const heading of [
      "Risk",
      "Aging",
      "Open invoices (1)",
      "Live disputes (0)",
      "Promises to pay and plans",
      "Previous messages (0)",
    ]) {
      await expect(panel.locator("h4", { hasText: heading }).count(), heading).resolves.toBe(1);
    }
    expect(new URL(page.url()).searchParams.get("selected")).toBe(messageToEdit.actionId);
    await page.evaluate("window.scrollTo(0, 0)");
    await screenshot(page, "inbox.png");
  });

  it("keyboard: j / k move through the queue, ? shows the shortcuts, / searches customers", async () => {
    await page.goto(server.url);
    const ids = await queueIds();
    expect(await shownId()).toBe(ids[0]);
    await page.keyboard.press("j");
    await page.waitForSelector(`#proposal [data-action-id="${ids[1]}"]`);
    await expect(page.locator(`.queue-item[data-id="${ids[1]}"]`).getAttribute("aria-current")).resolves.toBe(
      "true",
    );
    await page.keyboard.press("k");
    await page.waitForSelector(`#proposal [data-action-id="${ids[0]}"]`);

    await page.keyboard.press("?");
    await page.locator("#shortcuts").waitFor({ state: "visible" });
    await expect(page.locator("#shortcuts").textContent()).resolves.toContain(
      "approve the selected proposal",
    );
    await page.keyboard.press("Escape");
    await page.locator("#shortcuts").waitFor({ state: "hidden" });

    await page.keyboard.press("/");
    await expect(focusedId()).resolves.toBe("filter-customer");
    await page.keyboard.type("harbour lights");
    await Promise.all([page.waitForURL(/customer=harbour\+lights/), page.keyboard.press("Enter")]);
    expect(await queueIds()).toEqual([messageToEdit.actionId]);
  });

  it("a approves an agent's proposal: it executes and the account's paused work resumes", async () => {
    const proposal = agentProposals[0]!;
    await page.goto(`${server.url}/?selected=${proposal}`);
    await clearStatus();
    await page.keyboard.press("a");
    expect(await outcome()).toMatch(
      /^Approved and executed\. The agent's paused work on the account resumed/,
    );
    await page.locator(`.queue-item[data-id="${proposal}"]`).waitFor({ state: "detached" });
    const row = await actionRow(proposal);
    expect(row).toMatchObject({
      status: "executed",
      decidedBy: expect.stringMatching(/^api:inbox-collector@/),
    });
    const [item] = await database.current.db
      .select({ status: runItems.status })
      .from(runItems)
      .where(eq(runItems.customerId, row.customerId!));
    expect(["done", "paused"]).toContain(item!.status);
    // The next proposal in the queue is shown in its place (the page swaps it in after the decision).
    await page.waitForSelector(`#proposal [data-action-id]:not([data-action-id="${proposal}"])`);
    expect(await shownId()).not.toBe(proposal);
  });

  it("e edits the draft and Ctrl+Enter approves the edit: the edited body is what is queued", async () => {
    await page.goto(server.url);
    await selectInQueue(messageToEdit.actionId);
    await page.keyboard.press("e");
    await expect(focusedId()).resolves.toBe("message-body");
    const edited = messageToEdit.body.replace(
      "is past due.",
      "is past due. We are happy to agree a date with you.",
    );
    await page.fill("#message-body", edited);
    await page.fill("#message-subject", "Your account: a date that suits you");
    await clearStatus();
    await page.keyboard.press("Control+Enter");
    expect(await outcome()).toBe("Edited, approved and executed.");
    const queued = await database.current.db
      .select()
      .from(communications)
      .where(eq(communications.customerId, messageToEdit.customerId));
    expect(queued).toMatchObject([
      { status: "queued", channel: "email", body: edited, subject: "Your account: a date that suits you" },
    ]);
    expect(await actionRow(messageToEdit.actionId)).toMatchObject({
      status: "executed",
      editedInput: expect.objectContaining({ body: edited }),
    });
  });

  it("an edit the policy refuses says which rule refused it", async () => {
    await page.goto(server.url);
    await selectInQueue(messageToRefuse.actionId);
    await page.selectOption("#message-channel", "sms");
    await page.click("form.decision button[value=edit]");
    const text = await refusal();
    const denied = (
      (await actionRow(messageToRefuse.actionId)).reasons as { ruleId: string; verdict: string }[]
    ).filter((r) => r.verdict === "deny");
    expect(denied.length).toBeGreaterThan(0);
    expect(text).toContain("The policy refused it:");
    for (const reason of denied) expect(text).toContain(reason.ruleId);
  });

  it("r rejects with a reason, and a rejection without one is refused", async () => {
    const proposal = agentProposals[1]!;
    await page.goto(`${server.url}/?selected=${proposal}`);
    await page.keyboard.press("r");
    await expect(focusedId()).resolves.toBe("decision-note");
    await page.keyboard.press("Control+Enter");
    expect(await refusal()).toContain("a rejection needs the collector's reason");
    expect((await actionRow(proposal)).status).toBe("pending");

    await page.keyboard.type("Customer called: the cheque went out yesterday");
    await clearStatus();
    await page.keyboard.press("Control+Enter");
    expect(await outcome()).toMatch(/^Rejected\./);
    expect(await actionRow(proposal)).toMatchObject({
      status: "rejected",
      decisionNote: "Customer called: the cheque went out yesterday",
    });
  });

  it("the queue follows other people's work without a reload; deciding what someone else decided is a 409 naming them", async () => {
    await page.goto(server.url);
    // Set on this document: still there at the end means the page never reloaded.
    await page.evaluate("window.sameDocument = true");
    const arrived = await proposeEscalation("Newcomer Holdings");
    await page.locator(`.queue-item[data-id="${arrived}"]`).waitFor({ timeout: 20_000 });

    await selectInQueue(arrived);
    const decided = await callApi("POST", `/api/approvals/${arrived}/approve`, keys.admin, {
      note: "done by phone",
    });
    expect(decided.status).toBe(200);
    await page.locator(`.queue-item[data-id="${arrived}"]`).waitFor({ state: "detached", timeout: 20_000 });
    await page.locator("#proposal-gone").waitFor({ state: "visible" });

    await page.click("form.decision button[value=approve]");
    const text = await refusal();
    expect(text).toContain("Conflict:");
    expect(text).toContain(`already executed by ${adminLabel}`);
    await expect(page.evaluate("window.sameDocument")).resolves.toBe(true);
  });

  it("a viewer can look but not decide, and sign-out ends the session", async () => {
    await Promise.all([
      page.waitForURL(/\/sign-in\?reason=signed-out$/),
      page.click("form[action='/sign-out'] button"),
    ]);
    await expect(page.locator(".sign-in [role=status]").textContent()).resolves.toBe("You are signed out.");
    expect(await browser.context.cookies()).toEqual([]);
    await page.goto(server.url);
    expect(page.url()).toMatch(/\/sign-in\?next=%2F$/);

    await signIn(keys.viewer);
    const pending = await shownId();
    expect(pending).toBeTruthy();
    for (const value of ["approve", "edit", "reject"]) {
      await expect(page.locator(`form.decision button[value=${value}]`).isDisabled()).resolves.toBe(true);
    }
    await expect(page.locator("#viewer-note").textContent()).resolves.toContain("you can look, not decide");
    await page.keyboard.press("a");
    await page.waitForTimeout(300);
    expect((await actionRow(pending!)).status).toBe("pending");

    // The server refuses a viewer's decision however it is sent.
    const token = await page.locator('meta[name="arc-csrf"]').getAttribute("content");
    const answer = await page.evaluate(
      async ({ actionId, token }) => {
        const response = await fetch(`/inbox/proposals/${actionId}/decision`, {
          method: "POST",
          headers: { accept: "application/json", "x-csrf-token": token ?? "" },
          body: new URLSearchParams({ decision: "approve" }),
        });
        return { status: response.status, body: await response.json() };
      },
      { actionId: pending!, token },
    );
    expect(answer).toMatchObject({
      status: 403,
      body: { error: { code: "forbidden", message: expect.stringContaining("role viewer may not decide") } },
    });
    expect((await actionRow(pending!)).status).toBe("pending");
  });
});
