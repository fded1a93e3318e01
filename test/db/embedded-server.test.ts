// Several clients on the one embedded backend: each client's unit of work and transactions stay whole.
import pg from "pg";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmbeddedServer, serveEmbedded } from "../../db/connection.ts";

let server: EmbeddedServer;
beforeAll(async () => {
  server = await serveEmbedded(undefined);
});
afterAll(async () => {
  await server.stop();
});

describe("the embedded server", () => {
  it("keeps two drivers' extended-protocol queries and transactions apart under load", async () => {
    const js = postgres(server.url, { max: 1, onnotice: () => {} });
    const pool = new pg.Pool({ connectionString: server.url, max: 2 });
    await js`create table if not exists stress (id serial primary key, who text not null, n int not null)`;
    const rounds = 150;
    const errors: string[] = [];
    let wrong = 0;
    await Promise.all([
      (async () => {
        for (let i = 0; i < rounds; i++) {
          try {
            const [row] = await js`select ${i}::int * 2 as v, 'js' as who`;
            if (row!.v !== i * 2 || row!.who !== "js") wrong++;
            // Unprepared, as drizzle runs them: the driver keeps the unnamed statement across two Syncs.
            const [raw] = await js.unsafe("select $1::int * 3 as v", [i]);
            if (raw!.v !== i * 3) wrong++;
            if (i % 5 === 0) {
              await js.begin(async (tx) => {
                await tx`insert into stress (who, n) values ('js', ${i})`;
                const [mine] = await tx`select count(*)::int as c from stress where who = 'js' and n = ${i}`;
                if (mine!.c !== 1) wrong++;
              });
            }
          } catch (error) {
            errors.push(String(error));
          }
        }
      })(),
      ...[0, 1].map((worker) =>
        (async () => {
          for (let i = 0; i < rounds; i++) {
            try {
              const result = await pool.query("select $1::int + $2::int as v, $3::text as who", [
                i,
                worker * 1000,
                `pg${worker}`,
              ]);
              if (result.rows[0].v !== i + worker * 1000 || result.rows[0].who !== `pg${worker}`) wrong++;
              if (i % 7 === 0) {
                const client = await pool.connect();
                try {
                  await client.query("begin");
                  await client.query("insert into stress (who, n) values ($1, $2)", [`pg${worker}`, i]);
                  await client.query("rollback");
                } finally {
                  client.release();
                }
              }
            } catch (error) {
              errors.push(String(error));
            }
          }
        })(),
      ),
    ]);
    expect(errors).toEqual([]);
    expect(wrong).toBe(0);
    const [counts] =
      await js`select count(*) filter (where who = 'js')::int as js, count(*) filter (where who like 'pg%')::int as pg from stress`;
    expect(counts).toEqual({ js: rounds / 5, pg: 0 });
    await js.end();
    await pool.end();
  });

  it("rolls back the open transaction of a client that disconnects, and serves the next", async () => {
    const a = new pg.Client({ connectionString: server.url });
    a.on("error", () => {}); // we cut its connection on purpose
    await a.connect();
    await a.query("create table if not exists orphan (n int)");
    await a.query("begin");
    await a.query("insert into orphan values (1)");
    const b = postgres(server.url, { max: 1 });
    const waiting = b`select count(*)::int as c from orphan`;
    a.connection.stream.destroy();
    expect(await waiting).toEqual([{ c: 0 }]);
    await b.end();
  });

  it("sends a result too big for the socket to take at once intact", { timeout: 60_000 }, async () => {
    // PGlite hands each chunk over in memory it reuses; a socket that queues a chunk must keep a copy.
    const js = postgres(server.url, { max: 1, onnotice: () => {} });
    await js`create table big as select g as n, md5(g::text) as h from generate_series(1, 100000) g`;
    const rows = await js`select n, h from big order by n`;
    expect(rows.length).toBe(100_000);
    expect(rows.every((row, i) => row.n === i + 1 && typeof row.h === "string" && row.h.length === 32)).toBe(
      true,
    );
    await js.end();
  });
});
