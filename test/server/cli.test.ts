// The `arc` command as a user runs it: a child process of bin/arc.js, against this file's database.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { DEFAULT_POLICY } from "../../policies/index.ts";
import { buildProgram } from "../../server/cli/main.ts";
import { useTestDatabase } from "../support/db.ts";
import { makeCustomer, makeInvoice } from "../support/fixtures.ts";

const database = useTestDatabase();
const run = promisify(execFile);
const ARC = join(import.meta.dirname, "../../bin/arc.js");

async function arc(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [ARC, ...args], {
      env: { ...process.env, DATABASE_URL: database.current.url, ...env },
      timeout: 180_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

const SUBCOMMANDS = [
  "approvals",
  "audit",
  "bench",
  "demo",
  "dispatch",
  "evals",
  "forecast",
  "import",
  "inbound",
  "keys",
  "mcp",
  "migrate",
  "policy",
  "run",
  "serve",
  "start",
  "summary",
  "tools",
  "worker",
];

// Each test spawns the real binary (some a dozen at once): give a loaded CI machine room.
describe("arc", { timeout: 180_000 }, () => {
  it("--help lists every subcommand with a one-line description, and each has its own --help", async () => {
    const help = await arc(["--help"]);
    expect(help.code).toBe(0);
    for (const name of SUBCOMMANDS) expect(help.stdout).toMatch(new RegExp(`^\\s+${name}\\b.*\\S+`, "m"));
    // One real spawn per subcommand's --help proves nothing the first did not (the same binary and
    // program): read each subcommand's help from the same program in-process, and spawn one.
    const program = await buildProgram();
    for (const name of SUBCOMMANDS) {
      const command = program.commands.find((c) => c.name() === name);
      expect(command, name).toBeDefined();
      expect(command!.helpInformation()).toContain(`Usage: arc ${name}`);
    }
    expect(program.commands.map((c) => c.name()).sort()).toEqual([...SUBCOMMANDS].sort());
    const one = await arc(["forecast", "--help"]);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain("Usage: arc forecast");
  });

  it("an unknown command fails with usage help", async () => {
    const result = await arc(["frobnicate"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/unknown command 'frobnicate'/);
  });

  it("policy check accepts the default policy and names every error of a bad one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "arc-policy-"));
    const good = join(dir, "good.yaml");
    writeFileSync(good, stringify(DEFAULT_POLICY));
    expect(await arc(["policy", "check", good])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(`version ${DEFAULT_POLICY.version}`),
    });
    const bad = join(dir, "bad.yaml");
    const broken = structuredClone(DEFAULT_POLICY) as unknown as {
      contact: { frequency: { consumer: { call: { max: number } } }; localTime: { start: string } };
    };
    broken.contact.frequency.consumer.call.max = -1;
    broken.contact.localTime.start = "25:00";
    writeFileSync(bad, stringify(broken));
    const result = await arc(["policy", "check", bad]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("contact.frequency.consumer.call.max");
    expect(result.stderr).toContain("contact.localTime.start");
  });

  it("tools call goes through the runner and audit verify finds tampering", async () => {
    const customer = await makeCustomer(database.current.db, { name: "CLI Co" });
    const invoice = await makeInvoice(database.current.db, customer.id);
    const escalate = await arc([
      "tools",
      "call",
      "escalate_to_legal",
      JSON.stringify({ customerId: customer.id, invoiceIds: [invoice.id], reason: "cli" }),
    ]);
    expect(escalate.code).toBe(0);
    expect(JSON.parse(escalate.stdout)).toMatchObject({ status: "pending_approval" });
    const listed = await arc(["approvals", "list"]);
    expect(listed.stdout).toMatch(/escalate_to_legal\s+CLI Co\s+\[legal\.escalation_approval\]/);
    const invalid = await arc(["tools", "call", "create_task", '{"customerId": 1}']);
    expect(invalid.code).toBe(1);
    expect(JSON.parse(invalid.stdout)).toMatchObject({
      status: "invalid",
      issues: expect.arrayContaining([{ path: "customerId", message: expect.any(String) }]),
    });

    expect(await arc(["audit", "verify"])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/Audit log intact: \d+ entries/),
    });
    const db = database.current.db;
    await db.execute(sql`alter table audit_log disable trigger user`);
    await db.execute(sql`update audit_log set actor = 'mallory' where seq = 1`);
    await db.execute(sql`alter table audit_log enable trigger user`);
    const tampered = await arc(["audit", "verify"]);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toContain("entry #1: content does not match its hash (entry edited)");
  });

  it("import ledger imports CSV exports once, re-imports as a no-op, and refuses a bad file naming its line", async () => {
    const fixtures = join(import.meta.dirname, "../fixtures/ledger");
    const dir = mkdtempSync(join(tmpdir(), "arc-import-"));
    const mapping = join(dir, "mapping.yaml");
    writeFileSync(mapping, "extends: xero\noptions:\n  currency: GBP\n");
    const args = [
      "import",
      "ledger",
      "--mapping",
      mapping,
      "--customers",
      join(fixtures, "xero/contacts.csv"),
      "--invoices",
      join(fixtures, "xero/invoices.csv"),
    ];
    const dry = await arc([...args, "--dry-run"]);
    expect(dry).toMatchObject({ code: 0, stdout: expect.stringContaining("nothing was written") });
    const first = await arc(args);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Imported \(action [0-9a-f-]{36}\)\./m);
    const again = await arc(args);
    expect(again.stdout).toContain("These exact files were already imported");
    const bad = await arc([
      "import",
      "ledger",
      "--mapping",
      "arc",
      "--invoices",
      join(fixtures, "bad-invoices.csv"),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("Nothing was imported");
    expect(bad.stderr).toMatch(/bad-invoices\.csv: line 3, column "amount"/);
    const missing = await arc(["import", "ledger", "--mapping", "arc", "--invoices", join(dir, "nope.csv")]);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining("--invoices: cannot read") });
  });

  it("start, as the README runs it: embedded database, demo portfolio and an admin key on first run, summary every run", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "arc-start-"));
    const embedded = { DATABASE_URL: "", ARC_DATA_DIR: dataDir };
    // --no-serve: exit after the summary (arc serve's own test covers the server).
    const first = await arc(["start", "--no-serve"], embedded);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`ARC is using the embedded database in ${dataDir}`);
    expect(first.stdout).toMatch(
      /Generated demo portfolio \(seed 42, as of \d{4}-\d{2}-\d{2}\) in [\d.]+s: 300 customers/,
    );
    expect(first.stdout).toMatch(/^Customers: 300 \(\d+ consumer, \d+ strategic/m);
    // The agents' first pass ran and left work for a collector.
    expect(first.stdout).toMatch(
      /^- Accounts: 300 \(\d+ worked, \d+ with nothing to do, [1-9]\d* waiting for approval, 0 failed\)/m,
    );
    expect(first.stdout).toMatch(/^Approvals waiting: [1-9]\d*$/m);
    expect(first.stdout).toMatch(/^USD\s+\$[\d,.]+/m);
    // The first start prints the bootstrap admin key, once.
    expect(first.stdout).toMatch(/^Created the first API key \(admin, "bootstrap-admin"\)/m);
    expect(first.stdout).toMatch(/^ {2}arc_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/m);
    const second = await arc(["start", "--no-serve"], embedded);
    expect(second.code).toBe(0);
    expect(second.stdout).not.toContain("Generated demo portfolio");
    expect(second.stdout).not.toContain("Created the first API key");
    expect(second.stdout).toMatch(/^Customers: 300 /m);
    expect(await arc(["audit", "verify"], embedded)).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/Audit log intact: \d+ entries/),
    });
  }, 240_000);

  it("bad flags are refused with a message that names them", async () => {
    expect(await arc(["demo", "--customers", "many"])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('--customers must be a whole number of at least 1, not "many"'),
    });
  });
});
