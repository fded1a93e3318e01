// A read-only, in-memory stand-in for the database transaction the tools' `propose` functions read
// from, so the simulator turns a PlannedCall into a ProposedAction with ARC's own proposal builders
// instead of a hand-made copy of them. It answers exactly the shape those builders use,
// `select().from(table).where(condition)` with conditions built from drizzle's eq / inArray / and, by
// evaluating the condition against plain rows. Anything else throws, naming what was asked, so a
// builder that starts reading something new fails loudly here instead of being judged on made-up data.
import { Column, getTableColumns, Param, SQL, StringChunk, type Table } from "drizzle-orm";
import type { Tx } from "../../db/connection.ts";

export type Row = Record<string, unknown>;
type Predicate = (row: Row) => boolean;

/** `rowsOf(table)`: the current rows of a table (only those the simulation keeps; others are empty). */
export function memoryTx(rowsOf: (table: Table) => readonly Row[] | undefined): Tx {
  const unsupported = (what: string) => () => {
    throw new Error(`the simulator's in-memory ledger does not answer ${what}`);
  };
  const tx = {
    select: () => ({
      from: (table: Table) => {
        const rows = rowsOf(table);
        if (!rows) throw new Error(`the simulator's in-memory ledger keeps no rows of this table`);
        return {
          where: (condition: SQL | undefined) => {
            const keep = condition ? compile(condition, columnKeys(table)) : () => true;
            return Promise.resolve(rows.filter(keep));
          },
          orderBy: unsupported("orderBy"),
          limit: unsupported("limit"),
        };
      },
    }),
    insert: unsupported("insert"),
    update: unsupported("update"),
    delete: unsupported("delete"),
    execute: unsupported("execute"),
  };
  return tx as unknown as Tx;
}

const keysByTable = new WeakMap<Table, Map<Column, string>>();

function columnKeys(table: Table): Map<Column, string> {
  let keys = keysByTable.get(table);
  if (!keys) {
    keys = new Map(Object.entries(getTableColumns(table)).map(([key, column]) => [column, key]));
    keysByTable.set(table, keys);
  }
  return keys;
}

/** A predicate for `column = value`, `column in (values)` and `and(...)` of those; anything else throws. */
function compile(condition: SQL, keys: Map<Column, string>): Predicate {
  const chunks = condition.queryChunks;
  const column = chunks.find((chunk): chunk is Column => chunk instanceof Column);
  const text = chunks
    .filter((chunk): chunk is StringChunk => chunk instanceof StringChunk)
    .map((chunk) => chunk.value.join(""))
    .join("")
    .trim();
  if (column) {
    const key = keys.get(column);
    if (!key) throw new Error(`condition on a column of another table (${column.name})`);
    const param = chunks.find((chunk): chunk is Param => chunk instanceof Param);
    const list = chunks.find((chunk): chunk is Param[] => Array.isArray(chunk));
    if (text === "=" && param) return (row) => row[key] === param.value;
    if (text === "in" && list) {
      const values = new Set(list.map((p) => (p instanceof Param ? p.value : p)));
      return (row) => values.has(row[key]);
    }
    throw new Error(`unsupported condition "${text}" on ${column.name}`);
  }
  const parts = chunks.filter((chunk): chunk is SQL => chunk instanceof SQL).map((sql) => compile(sql, keys));
  if (parts.length === 0 || text.replaceAll("and", "").replace(/[()\s]/g, "") !== "")
    throw new Error(`unsupported condition "${text}"`);
  return (row) => parts.every((part) => part(row));
}
