// Invoice numbers in remittance text: every tolerated mistake, token boundaries, and the per-scope
// rules (suppression of weaker readings, partial citations only when unique).
import { describe, expect, it } from "vitest";
import { ReferenceIndex, resolveCitations } from "../../../tools/cash-matching/references.ts";

const A = { id: "A", externalRef: "INV-2025-004812" };
const B = { id: "B", externalRef: "INV-2025-004900" };
const C = { id: "C", externalRef: "INV-2024-000077" };
const index = new ReferenceIndex([A, B, C]);
const cite = (text: string, scope: string[] = ["A", "B", "C"]) =>
  resolveCitations(index.hits(text), (id) => scope.includes(id)).map((c) => `${c.invoiceId}:${c.quality}`);

describe("invoice references in remittance text", () => {
  it.each([
    ["INV-2025-004812", "exact"],
    ["Payment inv-2025-004812 thank you", "exact"],
    ["INV 2025 004812", "exact"],
    ["INV2025-004812", "exact"],
    ["inv/2025/004812.", "exact"],
    ["INV2025 4812", "zeros"],
    ["INV-2025-4812", "zeros"],
    ["INV-2025004812", "fused"],
    ["INV-2O25-OO4812", "confusable"],
    ["INV-2025-OO48l2", "confusable"],
    ["INV-2025-0048I2", "confusable"],
    ["INV-2025-0048S2".replace("S", "1"), "exact"],
    ["2025-004812", "no_prefix"],
    ["2025004812", "no_prefix"],
    ["INV-2025-004821", "transposed"],
    ["INV-2025-002814", null],
    ["INV-2025-004813", null],
    ["INV 2025 00481", "lost_digit"],
    ["inv 4812", "partial"],
  ])("%s → %s", (text, quality) => {
    const found = cite(text).filter((c) => c.startsWith("A:"));
    expect(found).toEqual(quality ? [`A:${quality}`] : []);
  });

  it("reads S as 5 and B as 8 only inside a run of digits", () => {
    const five = new ReferenceIndex([
      { id: "F", externalRef: "INV-2025-004852" },
      { id: "E", externalRef: "INV-2025-004882" },
    ]);
    const read = (text: string) =>
      resolveCitations(five.hits(text), () => true).map((c) => `${c.invoiceId}:${c.quality}`);
    expect(read("INV-2025-0048S2")).toEqual(["F:confusable"]);
    expect(read("INV-2025-0048B2")).toEqual(["E:confusable"]);
    // At the edge of a number, S and B are letters: "SO-…" stays a word.
    expect(read("INV-2025-004852S")).toEqual([]);
  });

  it("respects token boundaries: a longer number, or letters glued on, is not a citation", () => {
    expect(cite("INV-2025-0048121")).toEqual([]);
    expect(cite("XINV-2025-004812")).toEqual(["A:no_prefix"]); // the numbers are still whole tokens
    expect(cite("INV-2025-004812A")).toEqual([]);
    expect(cite("ref 48120")).toEqual([]);
    expect(cite("")).toEqual([]);
  });

  it("never reads INV-2025-0048121 as INV-2025-004812 when both exist", () => {
    const both = new ReferenceIndex([A, { id: "L", externalRef: "INV-2025-0048121" }]);
    const read = (text: string) =>
      resolveCitations(both.hits(text), () => true).map((c) => `${c.invoiceId}:${c.quality}`);
    expect(read("INV-2025-0048121")).toEqual(["L:exact"]);
    expect(read("INV-2025-004812")).toEqual(["A:exact"]);
  });

  it("does not read an exact citation of one invoice as a typo of another in the same scope", () => {
    const twin = new ReferenceIndex([A, { id: "T", externalRef: "INV-2025-004821" }]);
    expect(
      resolveCitations(twin.hits("Payment INV-2025-004812"), () => true).map((c) => c.invoiceId),
    ).toEqual(["A"]);
  });

  it("counts a last-number citation only when it is unique in the scope, and not after another number", () => {
    const years = new ReferenceIndex([A, { id: "Y", externalRef: "INV-2024-004812" }]);
    const read = (text: string, scope: string[]) =>
      resolveCitations(years.hits(text), (id) => scope.includes(id)).map((c) => c.invoiceId);
    expect(read("inv 4812", ["A"])).toEqual(["A"]);
    expect(read("inv 4812", ["A", "Y"])).toEqual([]);
    expect(read("INV-2024-4812", ["A"])).toEqual([]);
    // Short numbers only right after an invoice word.
    expect(cite("inv 77")).toEqual(["C:partial"]);
    expect(cite("order 77")).toEqual([]);
  });

  it("finds citations among 100,000 numbers through the index", () => {
    const many = Array.from({ length: 100_000 }, (_, i) => ({
      id: `N${i}`,
      externalRef: `INV-2025-${String(i + 1).padStart(6, "0")}`,
    }));
    const big = new ReferenceIndex(many);
    const read = (text: string) => resolveCitations(big.hits(text), () => true);
    expect(
      read("Payment INV-2025-054321 and INV-2025-000007").map((c) => `${c.invoiceId}:${c.quality}`),
    ).toEqual(["N54320:exact", "N6:exact"]);
  });
});
