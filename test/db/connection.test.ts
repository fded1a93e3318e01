// The embedded database: one PGlite per data folder, served on loopback, shared by every ARC process.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../db/connection.ts";

const run = promisify(execFile);
const ARC = join(import.meta.dirname, "../../bin/arc.js");

describe("the embedded database", () => {
  it("is served on loopback, persists to its folder, and is joined rather than opened twice", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "arc-embedded-"));
    const owner = await openDatabase({ dataDir });
    try {
      expect(owner.embedded).toBe(true);
      expect(owner.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres/);
      const serverFile = JSON.parse(readFileSync(join(dataDir, "server.json"), "utf8"));
      expect(serverFile.pid).toBe(process.pid);
      expect(owner.url).toContain(`:${serverFile.port}/`);
      await owner.sql`insert into customers (external_ref, name, currency) values ('C-SHARED', 'Shared Ltd', 'USD')`;

      const joiner = await openDatabase({ dataDir });
      expect(joiner.url).toBe(owner.url);
      expect(await joiner.sql`select name from customers`).toEqual([{ name: "Shared Ltd" }]);
      await joiner.close();
      // Closing a joiner leaves the owner's server up.
      expect(await owner.sql`select count(*)::int as n from customers`).toEqual([{ n: 1 }]);

      // Another process joins the running server through server.json.
      const { stdout } = await run(process.execPath, [ARC, "summary", "--json"], {
        env: { ...process.env, DATABASE_URL: "", ARC_DATA_DIR: dataDir },
      });
      expect(JSON.parse(stdout).customers.customers).toBe(1);
    } finally {
      await owner.close();
    }
    expect(existsSync(join(dataDir, "server.json"))).toBe(false);

    // Data survives the server; a stale server.json from a dead process is ignored.
    writeFileSync(join(dataDir, "server.json"), JSON.stringify({ pid: 2 ** 22 + 12_345, port: 1 }));
    const reopened = await openDatabase({ dataDir });
    try {
      expect(await reopened.sql`select name from customers`).toEqual([{ name: "Shared Ltd" }]);
    } finally {
      await reopened.close();
    }
  });

  it("names the database it could not reach", async () => {
    await expect(openDatabase({ url: "postgres://arc:s3cret@127.0.0.1:1/nowhere" })).rejects.toThrow(
      "cannot reach the database at postgres://arc:***@127.0.0.1:1/nowhere (ECONNREFUSED); is it running?",
    );
  });
});
