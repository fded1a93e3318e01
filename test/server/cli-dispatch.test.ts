// `arc dispatch` as a user runs it: with no SMTP configured, what is due goes into the local mailbox
// folder as .eml files a mail client opens; a second run sends nothing again.
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { eq } from "drizzle-orm";
import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import { communications } from "../../db/schema.ts";
import { DEFAULT_POLICY } from "../../policies/index.ts";
import { composeMessage } from "../../tools/messages.ts";
import { useTestDatabase } from "../support/db.ts";
import { makeContact, makeCustomer, makeInvoice } from "../support/fixtures.ts";

const database = useTestDatabase();
const run = promisify(execFile);
const ARC = join(import.meta.dirname, "../../bin/arc.js");

async function arc(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, [ARC, ...args], {
      env: { ...process.env, DATABASE_URL: database.current.url, SMTP_URL: "", ARC_SMS_URL: "", ...env },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** A fixed-offset zone where it is about noon now, so the allowed-hours rule lets the message go. */
function zoneAtNoon(): string {
  const offset = 12 - new Date().getUTCHours();
  return offset >= 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

describe("arc dispatch", { timeout: 180_000 }, () => {
  it("writes due email into the mailbox folder, once", async () => {
    const db = database.current.db;
    const customer = await makeCustomer(db, { timezone: zoneAtNoon(), country: "GB", region: null });
    const contact = await makeContact(db, customer.id, { email: "ap@dispatch-cli.example" });
    const invoice = await makeInvoice(db, customer.id, { dueDate: "2026-01-31" });
    const message = composeMessage({
      channel: "email",
      invoices: [invoice],
      isConsumer: false,
      policy: DEFAULT_POLICY,
      lead: "Hello, this invoice is past due.",
      subject: "Overdue invoice",
    });
    // A message the agents queued earlier (a given: the queueing itself is tested elsewhere).
    const [row] = await db
      .insert(communications)
      .values({
        customerId: customer.id,
        contactId: contact.id,
        direction: "outbound",
        channel: "email",
        status: "queued",
        subject: message.subject!,
        body: message.body,
        invoiceIds: [invoice.id],
        occurredAt: new Date(Date.now() - 3_600_000),
      })
      .returning();
    const dataDir = mkdtempSync(join(tmpdir(), "arc-dispatch-cli-"));
    const first = await arc(["dispatch", "--json"], {
      ARC_DATA_DIR: dataDir,
      ARC_PUBLIC_URL: "https://arc.example.test",
    });
    expect(first.stderr).toBe("");
    expect(JSON.parse(first.stdout)).toMatchObject({ sent: 1, failed: 0 });
    const files = readdirSync(join(dataDir, "mailbox")).filter((f) => f.endsWith(".eml"));
    expect(files).toHaveLength(1);
    const mail = await simpleParser(readFileSync(join(dataDir, "mailbox", files[0]!)));
    expect(mail.to).toMatchObject({ value: [{ address: "ap@dispatch-cli.example" }] });
    expect(mail.subject).toBe("Overdue invoice");
    expect(mail.text).toContain(invoice.externalRef);
    expect(mail.text).toContain("https://arc.example.test/unsubscribe/");
    const [sent] = await db.select().from(communications).where(eq(communications.id, row!.id));
    expect(sent!.status).toBe("sent");

    const second = await arc(["dispatch"], { ARC_DATA_DIR: dataDir });
    expect(second.stdout).toContain("Sent 0");
    expect(second.stdout).toContain("Email via mailbox");
    expect(readdirSync(join(dataDir, "mailbox")).filter((f) => f.endsWith(".eml"))).toHaveLength(1);
  });

  it("names a bad setting", async () => {
    const bad = await arc(["dispatch"], { SMTP_URL: "http://mail.example.com" });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^arc: SMTP_URL: /);
  });
});
