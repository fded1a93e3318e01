// A URL may name a Unix socket the way libpq does (`?host=/var/run/postgresql`): ARC's own driver
// (postgres.js) and node-postgres (pg-boss, the checkpointer) then both connect through it. Checked
// against the server's own view of the connection: a client on a socket has no address.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { createClient, openDatabase, unixSocket } from "../../db/connection.ts";
import { useTestDatabase } from "../support/db.ts";

const database = useTestDatabase();

describe("a Unix socket named in the URL", () => {
  it("is read libpq's way: the directory in `host`, the port from the URL", () => {
    expect(unixSocket("postgres://arc@localhost/ledger?host=/var/run/postgresql")).toEqual({
      url: "postgres://arc@localhost/ledger",
      path: "/var/run/postgresql/.s.PGSQL.5432",
    });
    expect(unixSocket("postgres://arc@localhost:6543/ledger?host=/tmp/&sslmode=disable")).toEqual({
      url: "postgres://arc@localhost:6543/ledger?sslmode=disable",
      path: "/tmp/.s.PGSQL.6543",
    });
    // Not a socket: no host parameter, or a host name in it.
    expect(unixSocket("postgres://arc@db.internal/ledger")).toBeNull();
    expect(unixSocket("postgres://arc@localhost/ledger?host=db.internal")).toBeNull();
    expect(unixSocket("not a url")).toBeNull();
  });

  it("carries ARC's queries and node-postgres's through the socket", async () => {
    const { url, kind, sql } = database.current;
    const socketUrl = new URL(url);
    if (kind === "postgres") {
      // The server's own socket directory (the embedded server listens on loopback TCP only).
      const [setting] = await sql<
        { dirs: string }[]
      >`select current_setting('unix_socket_directories') as dirs`;
      socketUrl.searchParams.set("host", setting!.dirs.split(",")[0]!.trim());
    }
    const viaSocket = socketUrl.toString();
    const address = "select inet_client_addr()::text as address, current_database() as name";
    const [expected] = await sql<{ name: string }[]>`select current_database() as name`;
    // On a socket the server sees no client address; on loopback TCP it sees 127.0.0.1.
    const seen =
      kind === "postgres"
        ? { address: null, name: expected!.name }
        : { address: "127.0.0.1/32", name: expected!.name };

    const client = createClient(viaSocket, 1);
    try {
      expect((await client.unsafe(address))[0]).toEqual(seen);
    } finally {
      await client.end();
    }
    const opened = await openDatabase({
      url: viaSocket,
      migrate: false,
      maxConnections: 1,
      embeddedServer: kind !== "postgres",
    });
    try {
      expect((await opened.sql.unsafe(address))[0]).toEqual(seen);
    } finally {
      await opened.close();
    }
    const node = new pg.Client({ connectionString: viaSocket });
    await node.connect();
    try {
      expect((await node.query(address)).rows[0]).toEqual(seen);
    } finally {
      await node.end();
    }
  });

  it("names the socket it could not reach", async () => {
    await expect(
      openDatabase({ url: "postgres://arc:s3cret@localhost/ledger?host=/nonexistent-arc-socket-dir" }),
    ).rejects.toThrow(
      "cannot reach the database at postgres://arc:***@localhost/ledger?host=/nonexistent-arc-socket-dir (ENOENT); is it running?",
    );
  });
});
