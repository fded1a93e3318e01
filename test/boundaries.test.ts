// The layout's import rules (docs/architecture.md): agents reach the ledger only through tools, and
// the lower layers never reach up.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");

function sources(folder: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, folder))) {
    const path = join(ROOT, folder, entry);
    if (statSync(path).isDirectory()) out.push(...sources(relative(ROOT, path)));
    else if (entry.endsWith(".ts")) out.push(path);
  }
  return out;
}

/** Top-level folders a file imports from, by its relative import specifiers. */
function importedFolders(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = [...text.matchAll(/^import\s[^;]*?from\s+"(\.[^"]+)"/gms)].map((m) => m[1]!);
  return specifiers.map((s) => relative(ROOT, join(file, "..", s)).split("/")[0]!);
}

const offenders = (folder: string, forbidden: string[]) =>
  sources(folder).flatMap((file) =>
    importedFolders(file)
      .filter((f) => forbidden.includes(f))
      .map((f) => `${relative(ROOT, file)} imports ${f}/`),
  );

describe("folder boundaries", () => {
  it("agents never import db/, server/ or evals/", () => {
    expect(offenders("agents", ["db", "server", "evals"])).toEqual([]);
  });
  it("tools never import agents/, server/ or evals/", () => {
    expect(offenders("tools", ["agents", "server", "evals"])).toEqual([]);
  });
  it("db imports nothing of ours", () => {
    expect(offenders("db", ["agents", "server", "evals", "tools", "policies"])).toEqual([]);
  });
  it("the check sees real imports", () => {
    expect(importedFolders(join(ROOT, "server/run.ts"))).toEqual(expect.arrayContaining(["agents", "db"]));
  });
});

/** What in a test file would leak into the next file run by the same worker (vitest.config.ts: isolate: false). */
const PROCESS_WIDE = [
  /\bvi\.(mock|doMock|stubGlobal|stubEnv|useFakeTimers|spyOn)\(/,
  /process\.env(\.\w+|\[[^\]]+\])\s*=[^=]/,
  /delete\s+process\.env/,
  /\bglobalThis\.\w+\s*=[^=]/,
];

describe("test files share worker processes", () => {
  it("so none changes process-wide state: no module mocks, stubbed globals, fake timers or environment writes", () => {
    const leaks = sources("test")
      .filter((file) => file !== import.meta.filename) // its own examples below
      .flatMap((file) => {
        const text = readFileSync(file, "utf8");
        return PROCESS_WIDE.filter((pattern) => pattern.test(text)).map(
          (pattern) => `${relative(ROOT, file)}: ${pattern}`,
        );
      });
    expect(leaks).toEqual([]);
  });
  it("the check sees such a change", () => {
    expect(PROCESS_WIDE.some((p) => p.test('process.env.ARC_MODEL = "x";'))).toBe(true);
    expect(PROCESS_WIDE.some((p) => p.test("vi.useFakeTimers();"))).toBe(true);
    expect(PROCESS_WIDE.some((p) => p.test('if (process.env.ARC_MODEL === "x")'))).toBe(false);
  });
});
