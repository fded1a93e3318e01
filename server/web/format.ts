// How the inbox writes money, times and proposals for a person to read. Pure functions of their inputs
// (the clock is passed in), so a page rendered twice from the same data is the same page.
import { currencyExponent, formatMoney, isKnownCurrency } from "../../db/money.ts";

/** "$12,345.67"; an unknown code still shows its number and code rather than failing the page. */
export function money(minor: number, currency: string): string {
  if (!isKnownCurrency(currency)) return `${minor} ${currency} (minor units)`;
  return formatMoney(minor, currency);
}

/** "$1.2M": for chart axes and legends, where the exact figure is in the table beside them. */
export function compactMoney(minor: number, currency: string): string {
  if (!isKnownCurrency(currency)) return `${minor}`;
  return new Intl.NumberFormat("en-US", {
    style: "currency",
    currency,
    notation: "compact",
    maximumFractionDigits: 1,
  }).format(minor / 10 ** currencyExponent(currency));
}

/** "12%" from a 0..1 share. */
export const percent = (share: number) => `${Math.round(share * 100)}%`;

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];
const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

/** "3 hours ago" / "in 2 days", measured from `now`. */
export function fromNow(instant: Date | string, now: Date): string {
  const ms = new Date(instant).getTime() - now.getTime();
  for (const [unit, size] of UNITS) {
    if (Math.abs(ms) >= size) return relative.format(Math.trunc(ms / size), unit);
  }
  return ms >= 0 ? "in under a minute" : "just now";
}

/** "2026-03-02 06:00 UTC": an instant people can compare across the team, whatever their zone. */
export function utcTime(instant: Date | string): string {
  return `${new Date(instant).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** "send_message" → "Send message". */
export function toolLabel(tool: string): string {
  const words = tool.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** "email" → "Email", "sms" → "SMS". */
export function channelLabel(channel: string): string {
  return channel === "sms" ? "SMS" : channel.charAt(0).toUpperCase() + channel.slice(1);
}

type Input = Record<string, unknown>;

const count = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;
const text = (value: unknown) => (typeof value === "string" ? value : "");
const listLength = (value: unknown) => (Array.isArray(value) ? value.length : 0);

/** One line saying what a proposal would do, for the queue: "Email “Past due: INV-7”". */
export function describeProposal(tool: string, input: Input): string {
  switch (tool) {
    case "send_message": {
      const subject = text(input.subject);
      const firstLine = text(input.body).split("\n")[0] ?? "";
      return `${channelLabel(text(input.channel) || "message")} “${subject || firstLine}”`;
    }
    case "escalate_to_legal":
      return `Legal escalation of ${count(listLength(input.invoiceIds), "invoice")}`;
    case "apply_payment":
      return `Apply a payment to ${count(listLength(input.applications), "invoice")}`;
    case "propose_payment_plan":
      return `Payment plan in ${count(listLength(input.installments), "instalment")}`;
    case "record_promise_to_pay":
      return `Promise to pay by ${text(input.promisedDate) || "a date"}`;
    default: {
      const reason = text(input.reason);
      return reason ? `${toolLabel(tool)}: ${reason}` : toolLabel(tool);
    }
  }
}
