// Shared by the bank-file tests: reading fixtures and samples, and asserting BankFileErrors.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import {
  BankFileError,
  type BankTransaction,
  type ParsedBankFile,
  parseBankFile,
  parseCsvBankMapping,
} from "../../../tools/bank-files/index.ts";
import { SHARED_DATA } from "../../support/shared-data.ts";

export const SAMPLES = join(SHARED_DATA, "bank-files");

export function fixture(name: string): string {
  return readFileSync(new URL(`../../fixtures/bank-files/${name}`, import.meta.url), "utf8");
}

export function sample(path: string): string {
  return readFileSync(`${SAMPLES}/${path}`, "utf8");
}

export const csvMapping = () => parseCsvBankMapping(fixture("bank-export.mapping.yaml"));

export function transactions(parsed: ParsedBankFile): BankTransaction[] {
  return parsed.statements.flatMap((s) => s.transactions);
}

/** Runs `run`, expects a BankFileError with exactly this format, location and reason, and returns it. */
export function expectBankFileError(
  run: () => unknown,
  expected: { format: BankFileError["format"]; location: string | RegExp | null; reason: string | RegExp },
): BankFileError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught, "expected a BankFileError to be thrown").toBeInstanceOf(BankFileError);
  const error = caught as BankFileError;
  expect(error.format).toBe(expected.format);
  if (expected.location instanceof RegExp) expect(error.location).toMatch(expected.location);
  else expect(error.location).toBe(expected.location);
  if (typeof expected.reason === "string") expect(error.reason).toBe(expected.reason);
  else expect(error.reason).toMatch(expected.reason);
  const prefix = `${expected.format ?? "bank file"}: ${error.location === null ? "" : `${error.location}: `}`;
  expect(error.message).toBe(`${prefix}${error.reason}`);
  return error;
}

export { parseBankFile };
