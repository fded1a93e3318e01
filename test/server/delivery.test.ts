// The outbox drained for real: a local SMTP server (smtp-server) and a local Twilio-compatible SMS
// provider receive what the dispatcher sends. Exactly once (a second pass, two dispatchers at once, a
// crash between send and record), the policy asked again at dispatch (quiet hours, consent revoked,
// a dispute opened), retries and bounces, and the one-click unsubscribe link.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, eq } from "drizzle-orm";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditLog, communications, contacts, disputes, tasks } from "../../db/schema.ts";
import { startDispatcher } from "../../server/delivery.ts";
import { composeMessage } from "../../tools/messages.ts";
import { type DispatchOptions, dispatchOnce, withSmsOptOut } from "../../tools/outbox/dispatch.ts";
import { type DeliveryConfig, deliveryFromEnv } from "../../tools/outbox/transports.ts";
import { makeContact, makeCustomer, makeInvoice, makePayment } from "../support/fixtures.ts";
import { type SmsProvider, startSmsProvider } from "../support/sms-provider.ts";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";
import { apiPerson, useApi } from "./api/harness.ts";

const t = useApi();
// The harness's clock is 2026-03-02 12:00 UTC: noon in London, where these customers live.
const NOON = new Date("2026-03-02T12:00:00.000Z");
const PUBLIC_URL = "https://arc.example.test";

let sink: SmtpSink;
let provider: SmsProvider;
let delivery: DeliveryConfig;
beforeAll(async () => {
  sink = await startSmtpSink();
  provider = await startSmsProvider();
  delivery = deliveryFromEnv(
    {
      SMTP_URL: sink.url,
      ARC_MAIL_FROM: "ARC Collections <ar@arc.example.test>",
      ARC_SMS_URL: provider.url,
      ARC_SMS_ACCOUNT_SID: provider.accountSid,
      ARC_SMS_AUTH_TOKEN: provider.authToken,
      ARC_SMS_FROM: "+15005550006",
      ARC_SMS_IDEMPOTENT: "true",
    },
    mkdtempSync(join(tmpdir(), "arc-delivery-")),
  );
});
afterAll(async () => {
  await delivery.email.close();
  await delivery.sms.close();
  await sink.close();
  await provider.close();
});

/** Only the rows each test queues are in the outbox when it dispatches. */
beforeEach(async () => {
  await t.database.current.db
    .update(communications)
    .set({ status: "cancelled", statusReason: "test isolation" })
    .where(eq(communications.status, "queued"));
});

function dispatch(at: Date, extra: Partial<DispatchOptions> = {}) {
  return dispatchOnce({
    db: t.database.current.db,
    runner: t.arc.runner,
    delivery,
    publicUrl: PUBLIC_URL,
    now: () => at,
    retryBaseMs: 60_000,
    ...extra,
  });
}

let counter = 0;
async function queued(channel: "email" | "sms" = "email") {
  const db = t.database.current.db;
  const n = ++counter;
  const customer = await makeCustomer(db, { timezone: "Europe/London", country: "GB", region: null });
  const contact = await makeContact(db, customer.id, {
    email: `ap${n}@customer-${n}.example`,
    phone: `+4420794600${String(n).padStart(2, "0")}`,
    smsConsentAt: new Date("2025-01-01T00:00:00Z"),
  });
  const invoice = await makeInvoice(db, customer.id, { amountMinor: 80_000, dueDate: "2026-02-01" });
  const message = composeMessage({
    channel,
    invoices: [invoice],
    isConsumer: false,
    policy: t.arc.policy,
    lead: `Hello, invoice ${invoice.externalRef} is past due.`,
    ...(channel === "email" ? { subject: `Overdue invoice ${invoice.externalRef}` } : {}),
  });
  const result = await t.arc.runner.call(
    "send_message",
    {
      customerId: customer.id,
      contactId: contact.id,
      channel,
      ...message,
      invoiceIds: [invoice.id],
    },
    { caller: apiPerson("collector") },
  );
  if (result.status !== "executed") throw new Error(`not queued: ${JSON.stringify(result)}`);
  const communicationId = (result.output as { communicationId: string }).communicationId;
  return { customer, contact, invoice, communicationId, body: message.body };
}

const row = async (id: string) =>
  (await t.database.current.db.select().from(communications).where(eq(communications.id, id)))[0]!;
const receivedBy = (address: string) => sink.received.filter((m) => m.envelope.to.includes(address));

describe("the dispatcher", () => {
  it("sends a queued email once over SMTP, with its Message-ID, List-Unsubscribe and the link in the body", async () => {
    const { contact, communicationId, body } = await queued();
    const summary = await dispatch(NOON);
    expect(summary).toMatchObject({ sent: 1, held: 0, cancelled: 0, failed: 0 });
    const [mail] = receivedBy(contact.email!);
    expect(mail!.headers["message-id"]).toBe(`<${communicationId}@arc.example.test>`);
    const sent = await row(communicationId);
    expect(sent).toMatchObject({ status: "sent", attempts: 1, sentAt: NOON });
    const link = `${PUBLIC_URL}/unsubscribe/${sent.unsubscribeToken}`;
    expect(mail!.headers["list-unsubscribe"]).toBe(`<${link}>`);
    expect(mail!.headers["list-unsubscribe-post"]).toBe("List-Unsubscribe=One-Click");
    expect(mail!.parsed.text).toContain(body.split("\n")[0]);
    expect(mail!.parsed.text).toContain(link);
    const audit = await t.database.current.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, communicationId), eq(auditLog.event, "delivery.sent")));
    expect(audit).toHaveLength(1);
    // Nothing is due any more: a second pass sends nothing.
    expect(await dispatch(NOON)).toMatchObject({ sent: 0 });
    expect(receivedBy(contact.email!)).toHaveLength(1);
  });

  it("texts through the SMS provider with the opt-out instruction, keyed by the message's id", async () => {
    const { contact, communicationId } = await queued("sms");
    expect(await dispatch(NOON)).toMatchObject({ sent: 1 });
    const [text] = provider.messages.filter((m) => m.to === contact.phone);
    expect(text!.body).toContain(t.arc.policy.content.optOut.sms!.text);
    expect(text!.idempotencyKey).toBe(communicationId);
    expect((await row(communicationId)).providerMessageId).toBe(text!.sid);
  });

  it("a text without the opt-out instruction (a receipt) gets the policy's instruction added", () => {
    expect(withSmsOptOut("Thank you: payment received for INV-1.", t.arc.policy)).toBe(
      `Thank you: payment received for INV-1. ${t.arc.policy.content.optOut.sms!.text}`,
    );
    const already = "Invoice INV-1 is due. Reply STOP to opt out.";
    expect(withSmsOptOut(already, t.arc.policy)).toBe(already);
  });

  it("two dispatchers draining at once send each message once", async () => {
    const queuedOnes = await Promise.all([queued(), queued(), queued(), queued("sms"), queued("sms")]);
    const [a, b] = await Promise.all([dispatch(NOON), dispatch(NOON)]);
    expect(a.sent + b.sent).toBe(5);
    for (const q of queuedOnes) {
      const delivered =
        sink.received.filter((m) => m.headers["message-id"] === `<${q.communicationId}@arc.example.test>`)
          .length + provider.messages.filter((m) => m.idempotencyKey === q.communicationId).length;
      expect(delivered).toBe(1);
    }
  });

  it("holds a message outside the debtor's allowed hours and sends it when they open", async () => {
    const { contact, communicationId } = await queued();
    const lateEvening = new Date("2026-03-02T22:30:00.000Z"); // 22:30 in London
    expect(await dispatch(lateEvening)).toMatchObject({ held: 1, sent: 0 });
    const held = await row(communicationId);
    expect(held.status).toBe("held");
    expect(held.statusReason).toMatch(/^not now: contact\.local_time/);
    expect(held.nextAttemptAt).toEqual(new Date("2026-03-03T08:00:00.000Z"));
    expect(await dispatch(new Date("2026-03-03T07:59:00.000Z"))).toMatchObject({ sent: 0, held: 0 });
    expect(await dispatch(new Date("2026-03-03T08:00:00.000Z"))).toMatchObject({ sent: 1 });
    expect(receivedBy(contact.email!)).toHaveLength(1);
  });

  it("cancels, with the rule, a message whose contact revoked consent or whose invoice is now disputed", async () => {
    const revoked = await queued();
    await t.database.current.db
      .update(contacts)
      .set({ emailOptedOutAt: new Date("2026-03-02T11:00:00Z") })
      .where(eq(contacts.id, revoked.contact.id));
    const disputed = await queued();
    await t.arc.runner.call(
      "open_dispute",
      { invoiceId: disputed.invoice.id, category: "pricing", description: "The price is wrong." },
      { caller: apiPerson("collector") },
    );
    expect(await dispatch(NOON)).toMatchObject({ cancelled: 2, sent: 0 });
    const first = await row(revoked.communicationId);
    expect(first.status).toBe("cancelled");
    expect(first.statusReason).toMatch(/^no longer allowed: contact\.channel_consent/);
    expect((await row(disputed.communicationId)).statusReason).toMatch(/invoice\.disputed/);
    expect(receivedBy(revoked.contact.email!)).toEqual([]);
    expect(receivedBy(disputed.contact.email!)).toEqual([]);
    expect(
      await t.database.current.db.select().from(disputes).where(eq(disputes.invoiceId, disputed.invoice.id)),
    ).toHaveLength(1);
  });

  it("cancels a message whose invoices were paid after it was queued", async () => {
    const { customer, contact, invoice, communicationId } = await queued();
    const payment = await makePayment(t.database.current.db, {
      customerId: customer.id,
      amountMinor: 80_000,
      receivedOn: "2026-03-02",
    });
    const applied = await t.arc.runner.call(
      "apply_payment",
      { paymentId: payment.id, applications: [{ invoiceId: invoice.id, amountMinor: 80_000 }] },
      { caller: apiPerson("collector") },
    );
    expect(applied.status).toBe("executed");
    expect(await dispatch(NOON)).toMatchObject({ cancelled: 1, sent: 0 });
    expect((await row(communicationId)).statusReason).toMatch(/^no longer allowed: .*invoice\.settled/);
    expect(receivedBy(contact.email!)).toEqual([]);
  });

  it("cancels a message a week past its time (the dispatcher was down): its dates and asks are stale", async () => {
    const { contact, communicationId } = await queued();
    expect(await dispatch(new Date(NOON.getTime() + 8 * 86_400_000))).toMatchObject({
      cancelled: 1,
      sent: 0,
    });
    expect((await row(communicationId)).statusReason).toMatch(
      /^stale: it was due at 2026-03-02T12:00:00.000Z/,
    );
    expect(receivedBy(contact.email!)).toEqual([]);
  });

  it("retries a temporary refusal with backoff, then sends", async () => {
    const { contact, communicationId } = await queued();
    sink.rejectRecipient(contact.email!, 451, "Try again later");
    expect(await dispatch(NOON)).toMatchObject({ retrying: 1, sent: 0 });
    const waiting = await row(communicationId);
    expect(waiting).toMatchObject({ status: "queued", attempts: 1 });
    expect(waiting.nextAttemptAt).toEqual(new Date(NOON.getTime() + 60_000));
    expect(waiting.statusReason).toContain("451");
    sink.clearRejections();
    expect(await dispatch(new Date(NOON.getTime() + 30_000))).toMatchObject({ sent: 0 });
    expect(await dispatch(new Date(NOON.getTime() + 60_000))).toMatchObject({ sent: 1 });
    expect(await row(communicationId)).toMatchObject({ status: "sent", attempts: 2 });
    expect(receivedBy(contact.email!)).toHaveLength(1);
  });

  it("a bounce fails the message and leaves a person a task to fix the address", async () => {
    const { customer, contact, communicationId } = await queued();
    sink.rejectRecipient(contact.email!, 550, "No such user here");
    expect(await dispatch(NOON)).toMatchObject({ failed: 1 });
    sink.clearRejections();
    const failed = await row(communicationId);
    expect(failed.status).toBe("failed");
    expect(failed.statusReason).toMatch(/^bounced: .*550.*No such user/);
    const [task] = await t.database.current.db.select().from(tasks).where(eq(tasks.customerId, customer.id));
    expect(task!.title).toBe("Fix the contact's email address: a message could not be delivered");
    // Failed is final: it is not picked up again.
    expect(await dispatch(new Date(NOON.getTime() + 3_600_000))).toMatchObject({ sent: 0, failed: 0 });
  });

  it("an invalid number refused by the SMS provider fails the text", async () => {
    const { communicationId } = await queued("sms");
    provider.failNext(400, {
      code: 21211,
      message: "The 'To' number is not a valid phone number.",
      status: 400,
    });
    expect(await dispatch(NOON)).toMatchObject({ failed: 1 });
    expect((await row(communicationId)).statusReason).toMatch(
      /^refused by the SMS provider: .*21211|invalid/,
    );
  });
});

describe("a dispatcher that dies between send and record", () => {
  const crash = () => {
    throw new Error("killed after the channel accepted the message");
  };

  it("SMTP cannot deduplicate: the message is not sent again; it is marked unconfirmed and a person checks", async () => {
    const { customer, contact, communicationId } = await queued();
    await expect(dispatch(NOON, { afterSend: crash })).rejects.toThrow("killed after");
    expect(receivedBy(contact.email!)).toHaveLength(1);
    expect((await row(communicationId)).status).toBe("sending");
    // Before the lease runs out nobody touches it; after, the next dispatcher finds it.
    expect(await dispatch(new Date(NOON.getTime() + 60_000))).toMatchObject({ sent: 0, unconfirmed: 0 });
    expect(await dispatch(new Date(NOON.getTime() + 6 * 60_000))).toMatchObject({ sent: 0, unconfirmed: 1 });
    expect(receivedBy(contact.email!)).toHaveLength(1);
    const after = await row(communicationId);
    expect(after.status).toBe("unconfirmed");
    expect(after.statusReason).toContain("cannot deduplicate");
    const [task] = await t.database.current.db.select().from(tasks).where(eq(tasks.customerId, customer.id));
    expect(task!.title).toBe("Check whether the email reached the customer");
  });

  it("an SMS provider that honours the idempotency key: resent with the same key, delivered once", async () => {
    const { contact, communicationId } = await queued("sms");
    await expect(dispatch(NOON, { afterSend: crash })).rejects.toThrow("killed after");
    expect(await dispatch(new Date(NOON.getTime() + 6 * 60_000))).toMatchObject({ resumed: 1, sent: 1 });
    expect(provider.messages.filter((m) => m.to === contact.phone)).toHaveLength(1);
    expect(await row(communicationId)).toMatchObject({ status: "sent", attempts: 2 });
  });

  it("the local mailbox: the same file is written again, so there is still one", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "arc-mailbox-"));
    const mailbox = deliveryFromEnv({}, dataDir);
    try {
      const { communicationId } = await queued();
      await expect(dispatch(NOON, { delivery: mailbox, afterSend: crash })).rejects.toThrow("killed after");
      expect(await dispatch(new Date(NOON.getTime() + 6 * 60_000), { delivery: mailbox })).toMatchObject({
        resumed: 1,
        sent: 1,
      });
      const files = readdirSync(join(dataDir, "mailbox")).filter((f) => f.endsWith(".eml"));
      expect(files).toHaveLength(1);
      const parsed = await simpleParser(readFileSync(join(dataDir, "mailbox", files[0]!)));
      expect(parsed.messageId).toBe(`<${communicationId}@arc.invalid>`);
      const line = parsed.headerLines.find((h) => h.key === "list-unsubscribe")?.line ?? "";
      // Folded on long lines (RFC 5322): unfold before reading it.
      expect(line.replace(/\r\n\s+/g, " ")).toMatch(
        /^List-Unsubscribe: <https:\/\/arc\.example\.test\/unsubscribe\/[\w-]+>$/,
      );
    } finally {
      await mailbox.email.close();
      await mailbox.sms.close();
    }
  });
});

describe("the one-click unsubscribe link", () => {
  it("shows a confirmation, and its POST (from the page or the mail client) revokes email consent through the tools", async () => {
    const { contact, communicationId } = await queued();
    await dispatch(NOON);
    const token = (await row(communicationId)).unsubscribeToken!;
    const page = await t.api.app.request(`/unsubscribe/${token}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`a•••@customer-`);
    expect(html).not.toContain(contact.email!);
    // RFC 8058: the mail client POSTs List-Unsubscribe=One-Click, with no cookie and no CSRF token.
    const done = await t.api.app.request(`/unsubscribe/${token}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "cross-site" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("We will not email");
    const [after] = await t.database.current.db.select().from(contacts).where(eq(contacts.id, contact.id));
    expect(after!.emailOptedOutAt).not.toBeNull();
    expect(after!.smsOptedOutAt).toBeNull();
    const again = await t.api.app.request(`/unsubscribe/${token}`, { method: "POST" });
    expect(await again.text()).toContain("was already unsubscribed");
    // The next email to that contact is refused by the policy when queued.
    const refused = await t.arc.runner.call(
      "send_message",
      {
        customerId: after!.customerId,
        contactId: contact.id,
        channel: "email",
        body: "Hello again",
      },
      { caller: apiPerson("collector") },
    );
    expect(refused.status).toBe("blocked");
  });

  it("an unknown or malformed token is a 404 that changes nothing", async () => {
    expect((await t.api.app.request("/unsubscribe/not-a-real-token-at-all-123")).status).toBe(404);
    expect((await t.api.app.request("/unsubscribe/%3Cscript%3E", { method: "POST" })).status).toBe(404);
  });
});

describe("the continuous dispatcher (arc serve)", () => {
  it("drains the outbox on its interval until stopped, then closes its transports", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "arc-serve-outbox-"));
    const setup = { delivery: deliveryFromEnv({}, dataDir), publicUrl: PUBLIC_URL };
    const passes: number[] = [];
    // drainOutbox judges as of the runner's clock: the harness's noon.
    const dispatcher = startDispatcher(t.arc, setup, { intervalMs: 50, onPass: (s) => passes.push(s.sent) });
    try {
      const { communicationId } = await queued();
      const deadline = Date.now() + 10_000;
      while ((await row(communicationId)).status !== "sent" && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect((await row(communicationId)).status).toBe("sent");
      expect(readdirSync(join(dataDir, "mailbox")).filter((f) => f.endsWith(".eml"))).toHaveLength(1);
    } finally {
      await dispatcher.stop();
    }
    const count = passes.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(passes.length).toBe(count);
    expect(passes.reduce((a, b) => a + b, 0)).toBe(1);
  });
});
