// `arc inbound FILE` as a user runs it: a child process of bin/arc.js against this file's database.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { communications, contacts } from "../../db/schema.ts";
import { useTestDatabase } from "../support/db.ts";
import { makeContact, makeCustomer, makeInvoice } from "../support/fixtures.ts";

const database = useTestDatabase();
const run = promisify(execFile);
const ARC = join(import.meta.dirname, "../../bin/arc.js");
const DIR = mkdtempSync(join(tmpdir(), "arc-inbound-"));

async function arc(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [ARC, ...args], {
      // The rules brain whatever the developer's shell says.
      env: { ...process.env, DATABASE_URL: database.current.url, ARC_BRAIN: "rules" },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

function file(name: string, content: string): string {
  const path = join(DIR, name);
  writeFileSync(path, content);
  return path;
}

describe("arc inbound", { timeout: 180_000 }, () => {
  it("--dry-run --json prints exactly the classification and changes nothing", async () => {
    const db = database.current.db;
    const customer = await makeCustomer(db);
    await makeContact(db, customer.id, { email: "pat@cli-inbound.example" });
    const invoice = await makeInvoice(db, customer.id, { dueDate: "2026-01-31" });
    const eml = file(
      "promise.eml",
      [
        "From: Pat <pat@cli-inbound.example>",
        "To: ar@creditor.example",
        "Subject: RE: overdue",
        "Date: Mon, 02 Mar 2026 15:00:00 +0000",
        "Message-ID: <cli-1@mail.example>",
        "",
        `We will pay ${invoice.externalRef} on 2026-03-20. Regards, Pat`,
        "",
      ].join("\r\n"),
    );
    const result = await arc(["inbound", eml, "--dry-run", "--json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(Object.keys(printed)).toEqual(["customer_id", "category", "confidence", "fields"]);
    expect(printed).toMatchObject({
      customer_id: customer.id,
      category: "promise_to_pay",
      fields: { promisedDate: "2026-03-20", invoiceRefs: [invoice.externalRef] },
    });
    expect(printed.confidence).toBeGreaterThan(0.5);
    expect(await db.select().from(communications).where(eq(communications.customerId, customer.id))).toEqual(
      [],
    );
  });

  it("applies an SMS STOP from a JSON file: consent revoked, and the second time it is already done", async () => {
    const db = database.current.db;
    const customer = await makeCustomer(db);
    const contact = await makeContact(db, customer.id, {
      email: "sms@cli-inbound.example",
      phone: "+14155550142",
      smsConsentAt: new Date("2025-06-01T00:00:00Z"),
    });
    const sms = file(
      "stop.json",
      JSON.stringify({ channel: "sms", from: "+1 (415) 555-0142", body: "Stop", id: "SM-CLI-1" }),
    );
    const first = await arc(["inbound", sms]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("opt_out");
    expect(first.stdout).toMatch(/executed\s+revoke_contact_channel/);
    const [after] = await db.select().from(contacts).where(eq(contacts.id, contact.id));
    expect(after!.smsOptedOutAt).not.toBeNull();
    const second = await arc(["inbound", sms]);
    expect(second.stdout).toContain("(already done)");
  });

  it("names what is wrong with a bad file", async () => {
    const missing = await arc(["inbound", join(DIR, "nope.eml")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/arc: cannot read .*nope\.eml/);
    const badSms = await arc([
      "inbound",
      file("bad.json", JSON.stringify({ channel: "sms", from: "x", body: "" })),
    ]);
    expect(badSms.code).toBe(1);
    expect(badSms.stderr).toContain("from: must be a phone number");
    expect(badSms.stderr).toContain("body: the message is empty");
    const notMail = await arc(["inbound", file("note.txt", "just some words")]);
    expect(notMail.code).toBe(1);
    expect(notMail.stderr).toContain("raw: not an email");
    const stranger = await arc([
      "inbound",
      file("stranger.eml", "From: x@stranger.example\r\nSubject: hi\r\n\r\nhello\r\n"),
    ]);
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toContain("no customer matches x@stranger.example");
  });
});
