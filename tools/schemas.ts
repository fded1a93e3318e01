// zod building blocks shared by tool inputs, so every tool names and validates a field the same way.
import { z } from "zod";
import { CHANNELS, DISPUTE_CATEGORIES, TASK_KINDS } from "../db/schema.ts";

export const id = (what: string) => z.uuid({ message: `${what} must be a UUID` });
export const minorUnits = z
  .number()
  .int({ message: "must be an integer number of minor units (cents), not a decimal" })
  .positive({ message: "must be greater than zero" })
  .max(Number.MAX_SAFE_INTEGER);
export const currencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, { message: "must be a 3-letter ISO 4217 code like USD" });
/**
 * The dates tools take: YYYY-MM-DD within 1900–2999 (as ledger imports: tools/ledger-import), so date
 * arithmetic from them (13 forecast weeks ahead, two years of metrics back) stays a YYYY-MM-DD date;
 * 9999-12-31 or 0001-01-01 would otherwise fail deep inside a tool instead of being refused by name.
 */
export const isoDate = z.iso
  .date({ message: "must be a date as YYYY-MM-DD" })
  .refine((date) => !/^\d{4}-/.test(date) || (date >= "1900-01-01" && date <= "2999-12-31"), {
    message: "must be a date between 1900-01-01 and 2999-12-31",
  });
export const isoDateTime = z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time" });
export const channel = z.enum(CHANNELS);
export const disputeCategory = z.enum(DISPUTE_CATEGORIES);
export const taskKind = z.enum(TASK_KINDS);
export const nonEmptyText = (max: number) =>
  z.string().trim().min(1, { message: "must not be empty" }).max(max);
export const page = {
  limit: z.number().int().min(1).max(500).default(50),
  offset: z.number().int().min(0).default(0),
};
