// `arc serve` as an operator runs it: a real process on a free port, keys made with `arc keys`, HTTP
// over a socket, a run followed as server-sent events, JSON log lines, and a clean stop on SIGTERM.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { runItems, runs } from "../../../db/schema.ts";
import { useTestDatabase } from "../../support/db.ts";
import { makeContact, makeCustomer, makeInvoice } from "../../support/fixtures.ts";
import { readEvents } from "./harness.ts";

const database = useTestDatabase();
const ARC = join(import.meta.dirname, "../../../bin/arc.js");
const execArc = promisify(execFile);

let server: ChildProcess | undefined;
afterAll(() => {
  server?.kill("SIGKILL");
});

// Its own data folder (the outbox's mailbox files go there) and no nightly schedule firing mid-test.
const DATA_DIR = mkdtempSync(join(tmpdir(), "arc-serve-"));
const env = () => ({
  ...process.env,
  DATABASE_URL: database.current.url,
  ARC_DATA_DIR: DATA_DIR,
  ARC_NIGHTLY_AT: "off",
  SMTP_URL: "",
  ARC_SMS_URL: "",
});

async function arc(args: string[]) {
  return execArc(process.execPath, [ARC, ...args], { env: env(), timeout: 120_000 });
}

/** Starts `arc <command> --port 0` and resolves with its URL once it listens. */
function startServer(
  command: "serve" | "start" = "serve",
): Promise<{ url: string; stdout: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [ARC, command, "--port", "0", "--host", "127.0.0.1"], { env: env() });
  server = child;
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      const match = /listening on (http:\/\/\S+) /.exec(stderr);
      if (match) resolve({ url: match[1]!, stdout: () => stdout, exited });
    });
    void exited.then((code) => reject(new Error(`arc serve exited (${code}) before listening:\n${stderr}`)));
  });
}

describe("arc serve", { timeout: 180_000 }, () => {
  it("arc start (npm start) serves after the summary, and a fresh ledger's first start prints an admin key once", async () => {
    await makeCustomer(database.current.db, { name: "Already Here Inc" });
    const { url, stdout, exited } = await startServer("start");
    // stdout and stderr are separate pipes: the key (stdout) may arrive just after the banner (stderr).
    const keyLine = /^ {2}(arc_[0-9a-f]{12}_[A-Za-z0-9_-]{43})$/m;
    for (let i = 0; i < 100 && !keyLine.test(stdout()); i++) await new Promise((r) => setTimeout(r, 50));
    const key = keyLine.exec(stdout())?.[1];
    expect(stdout()).toMatch(/^Customers: 1 /m);
    expect(key, stdout()).toBeDefined();
    const keys = await fetch(`${url}/api/keys`, { headers: { authorization: `Bearer ${key}` } });
    expect(keys.status).toBe(200);
    expect(((await keys.json()) as { keys: { name: string; role: string }[] }).keys).toEqual([
      expect.objectContaining({ name: "bootstrap-admin", role: "admin" }),
    ]);
    server!.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("serves the API over HTTP to keys made with arc keys, streams a run's progress, logs JSON and stops on SIGTERM", async () => {
    const db = database.current.db;
    const customer = await makeCustomer(db, { name: "Served Co" });
    await makeInvoice(db, customer.id, { dueDate: "2026-01-10", amountMinor: 480_000 });

    const created = JSON.parse(
      (await arc(["keys", "create", "--role", "collector", "--name", "ops", "--json"])).stdout,
    ) as {
      key: { id: string; prefix: string };
      secret: string;
    };
    const listed = (await arc(["keys", "list"])).stdout;
    expect(listed).toMatch(new RegExp(`${created.key.prefix}\\s+collector\\s+ops\\s+active, never used`));

    const { url, stdout, exited } = await startServer();
    const auth = { authorization: `Bearer ${created.secret}` };

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect((await fetch(`${url}/api/summary`)).status).toBe(401);
    const search = await fetch(`${url}/api/customers?query=served`, {
      headers: { ...auth, "x-request-id": "served-1" },
    });
    expect(search.status).toBe(200);
    expect(((await search.json()) as { customers: { id: string }[] }).customers.map((c) => c.id)).toEqual([
      customer.id,
    ]);

    const started = await fetch(`${url}/api/runs`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ asOf: "2026-03-02", customers: [customer.externalRef] }),
    });
    expect(started.status).toBe(202);
    const { run } = (await started.json()) as { run: { runId: string } };
    const stream = await fetch(`${url}/api/runs/${run.runId}/events`, { headers: auth });
    expect(stream.headers.get("content-type")).toContain("text/event-stream");
    const events = await readEvents(stream);
    expect(events.at(-1)).toMatchObject({
      event: "completed",
      data: { runId: run.runId, report: { accounts: { total: 1 } } },
    });

    const revoked = await arc(["keys", "revoke", created.key.prefix]);
    expect(revoked.stdout).toContain(`Revoked API key ${created.key.prefix} "ops"`);
    const refused = await fetch(`${url}/api/summary`, { headers: auth });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("api_key_revoked");

    const lines = stdout()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((l) => l.requestId === "served-1")).toMatchObject({
      msg: "request",
      method: "GET",
      route: "/api/customers",
      status: 200,
      caller: `api:ops@${created.key.prefix}`,
      durationMs: expect.any(Number),
    });
    expect(lines.some((l) => l.msg === "listening")).toBe(true);

    server!.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("SIGTERM during a run: the accounts in hand finish, nothing is left half-done, and the run stays resumable", async () => {
    const db = database.current.db;
    const refs: string[] = [];
    for (let i = 0; i < 10; i++) {
      const customer = await makeCustomer(db, { name: `Sigterm Co ${i}` });
      await makeContact(db, customer.id, { email: `ap${i}@sigterm.example` });
      await makeInvoice(db, customer.id, { dueDate: "2026-01-10", amountMinor: 90_000 + i });
      refs.push(customer.externalRef);
    }
    const created = JSON.parse((await arc(["keys", "create", "--role", "collector", "--json"])).stdout) as {
      secret: string;
    };
    const { url, stdout, exited } = await startServer();
    const started = await fetch(`${url}/api/runs`, {
      method: "POST",
      headers: { authorization: `Bearer ${created.secret}`, "content-type": "application/json" },
      body: JSON.stringify({ asOf: "2026-03-06", customers: refs, concurrency: 1 }),
    });
    expect(started.status).toBe(202);
    const { run } = (await started.json()) as { run: { runId: string } };
    server!.kill("SIGTERM");
    expect(await exited).toBe(0);
    const [row] = await db.select().from(runs).where(eq(runs.id, run.runId));
    const items = await db.select().from(runItems).where(eq(runItems.runId, run.runId));
    expect(items.filter((i) => i.status === "running")).toEqual([]);
    if (row!.status === "running") {
      expect(items.some((i) => i.status === "pending")).toBe(true);
      expect(stdout()).toContain("run interrupted");
    } else {
      expect(row!.status).toBe("completed");
    }
  });
});
