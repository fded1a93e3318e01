import { describe, expect, it } from "vitest";
import { PERSON_FLAG_DELAY_DAYS, RUN_HOUR_UTC } from "../../evals/simulation/assumptions.ts";
import { DAY_MS } from "../../evals/simulation/customer.ts";
import { stat } from "../../evals/simulation/metrics.ts";
import { generatePortfolio } from "../../evals/simulation/portfolio.ts";
import {
  renderSimulation,
  runSimulation,
  type SimulationReport,
  simulateSeed,
} from "../../evals/simulation/run.ts";
import { DEFAULT_POLICY, type PolicyDocument } from "../../policies/index.ts";

// Small portfolios keep this file fast; seed 4 at 120 customers has bankruptcies, cease requests
// that reach the account, disputes and customers far from UTC (the preconditions are asserted).
const SMALL = { customers: 40, days: 60 };
let seed4: ReturnType<typeof simulateSeed> | undefined;
const seedFour = () => {
  seed4 ??= simulateSeed(4, { customers: 120 });
  return seed4;
};
let threeSeeds: Promise<SimulationReport> | undefined;
const smallReport = () => {
  threeSeeds ??= runSimulation({ seeds: [1, 2, 3], ...SMALL });
  return threeSeeds;
};

describe("the portfolio simulation", () => {
  it("is deterministic: the same seed gives the same report, another seed another", async () => {
    const first = await runSimulation({ seeds: [2], ...SMALL });
    const again = await runSimulation({ seeds: [2], ...SMALL });
    expect(again).toEqual(first);
    const others = await smallReport();
    expect(others.perSeed[1]!).toEqual(first.perSeed[0]!); // seed 2 again, inside another run
    expect(others.perSeed[2]!.arc).not.toEqual(first.perSeed[0]!.arc);
    expect(others.perSeed[2]!.baseline).not.toEqual(first.perSeed[0]!.baseline);
  });

  it("gives both arms the same customers, invoices and events, each customer on streams of its own", async () => {
    const { portfolio, arc, baseline } = await seedFour();
    expect(generatePortfolio(4, 120, portfolio.startDate, portfolio.days)).toEqual(portfolio);
    arc.books.forEach((book, i) => {
      expect(book.customer).toBe(portfolio.customers[i]);
      expect(baseline.books[i]!.customer).toBe(book.customer);
    });
    // Half the portfolio: the first 60 customers are the same, and so is everything that happens to
    // them in either arm: outreach to customers 60–119 shifts no draw of theirs.
    const half = await simulateSeed(4, { customers: 60 });
    expect(half.portfolio.customers).toEqual(portfolio.customers.slice(0, 60));
    const full = { arc, baseline };
    for (const arm of ["arc", "baseline"] as const) {
      expect(half[arm].deliveries).toEqual(full[arm].deliveries.filter((d) => d.customerIndex < 60));
      expect(half[arm].books.map((b) => b.payments)).toEqual(
        full[arm].books.slice(0, 60).map((b) => b.payments),
      );
    }
  });

  it("never lets ARC contact anyone its policy refuses: no stop flag, no night, no SMS without consent", async () => {
    const { portfolio, arc } = await seedFour();
    const dayStart = (day: number) => Date.parse(`${portfolio.startDate}T00:00:00Z`) + day * DAY_MS;
    // A cease request or bankruptcy reaches the account PERSON_FLAG_DELAY_DAYS later (a person records
    // it before that day's run); from the day after, nothing may go out to that customer.
    const stoppedFrom = (index: number) => {
      const book = arc.books[index]!;
      const filed = book.customer.bankruptcyDay;
      return Math.min(
        book.cease ? dayStart(book.cease.day + PERSON_FLAG_DELAY_DAYS + 1) : Number.POSITIVE_INFINITY,
        filed === null ? Number.POSITIVE_INFINITY : dayStart(filed + PERSON_FLAG_DELAY_DAYS + 1),
      );
    };
    // Preconditions, so the checks below are not vacuous: such customers exist and still owe money
    // when they are stopped, and ARC's agent planned, was judged and was held for approval.
    const stopped = portfolio.customers.filter((c) => stoppedFrom(c.index) < dayStart(portfolio.days));
    expect(stopped.some((c) => arc.books[c.index]!.openInvoices(portfolio.days - 1).length > 0)).toBe(true);
    const stats = arc.policy!;
    expect(stats.judged).toBeGreaterThan(0);
    expect(stats.approvals).toBeGreaterThan(0);
    expect(stats.invalid).toEqual(0); // every planned call passed the tools' own validation and propose()

    expect(arc.deliveries.length).toBeGreaterThan(0);
    expect(arc.deliveries.filter((d) => d.executedAt >= stoppedFrom(d.customerIndex))).toEqual([]);
    for (const d of arc.deliveries) {
      // Nothing goes out while the account carries a bankruptcy, cease or legal-referral flag…
      expect(d.knownStops).toEqual([]);
      // …and email, SMS and calls only inside 08:00–21:00 in the customer's own zone.
      if (d.channel !== "letter") {
        expect(d.localHour).toBeGreaterThanOrEqual(8);
        expect(d.localHour).toBeLessThan(21);
      }
      if (d.channel === "sms") expect(portfolio.customers[d.customerIndex]!.contact.smsConsent).toBe(true);
      expect(d.complaints).not.toContain("night_contact");
      expect(d.complaints).not.toContain("no_consent");
    }
  });

  it("executes nothing ARC's policy refuses, even when its agent plans it (a window opening after 09:00)", async () => {
    // The run queues messages for 09:00 local, or the policy's start when later (the supervisor's
    // runSendTime): with a window opening at 10:00 they go at 10:00, none earlier, none refused for it.
    const late = structuredClone(DEFAULT_POLICY) as PolicyDocument;
    late.contact.localTime.start = "10:00";
    const { arc } = await simulateSeed(2, { customers: 40, days: 45 }, late);
    expect(arc.policy!.deniedByRule["contact.local_time"] ?? 0).toBe(0);
    const timed = arc.deliveries.filter((d) => d.channel !== "letter");
    expect(timed.length).toBeGreaterThan(0);
    for (const d of timed) expect(d.localHour).toBeGreaterThanOrEqual(10);
  });

  it("the baseline dunns at night and dunns disputed invoices where such customers exist", async () => {
    const { portfolio, baseline } = await seedFour();
    const farFromUtc = portfolio.customers.filter((c) =>
      ["America/New_York", "Europe/London", "Europe/Berlin", "Asia/Kolkata"].includes(c.timezone),
    );
    expect(farFromUtc.length).toBeGreaterThan(0);
    expect(portfolio.customers.some((c) => c.invoices.some((i) => i.dispute !== null))).toBe(true);

    const emails = baseline.deliveries.filter((d) => d.channel === "email");
    expect(emails.length).toBeGreaterThan(0);
    for (const d of emails) expect(new Date(d.executedAt).getUTCHours()).toBe(RUN_HOUR_UTC);
    const kinds = baseline.deliveries.flatMap((d) => d.complaints);
    expect(kinds).toContain("night_contact");
    expect(kinds).toContain("disputed_invoice_dunned");
    const night = baseline.deliveries.filter((d) => d.complaints.includes("night_contact"));
    for (const d of night) expect(d.localHour! < 8 || d.localHour! >= 21).toBe(true);
  });

  it("summarises the seeds from perSeed: mean, sample sd, min, max and the DSO reduction", async () => {
    const report = await smallReport();
    const dso = report.perSeed.map((p) => p.arc.dsoCountbackDays!);
    const mean = (dso[0]! + dso[1]! + dso[2]!) / 3;
    const sd = Math.sqrt(dso.reduce((t, x) => t + (x - mean) ** 2, 0) / 2);
    expect(report.summary.arc.dsoCountbackDays.mean).toBeCloseTo(mean, 10);
    expect(report.summary.arc.dsoCountbackDays.sd).toBeCloseTo(sd, 10);
    expect(report.summary.arc.dsoCountbackDays.min).toBe(Math.min(...dso));
    expect(report.summary.arc.dsoCountbackDays.max).toBe(Math.max(...dso));
    expect(report.summary.baseline.complaints.mean).toBeCloseTo(
      report.perSeed.reduce((t, p) => t + p.baseline.complaints, 0) / 3,
      10,
    );
    for (const p of report.perSeed) {
      const b = p.baseline.dsoCountbackDays!;
      expect(p.dsoReduction).toBeCloseTo((b - p.arc.dsoCountbackDays!) / b, 12);
      // Both arms invoice the same and the same falls due: the portfolios are identical.
      expect(p.arc.invoicedMinor).toBe(p.baseline.invoicedMinor);
      expect(p.arc.dueMinor).toBe(p.baseline.dueMinor);
      expect(p.arc.collectedShare).toBeCloseTo(p.arc.collectedMinor / p.arc.dueMinor, 12);
      expect(p.baseline.approvals).toBe(0);
    }
    expect(report.summary.dsoReduction).toEqual(stat(report.perSeed.map((p) => p.dsoReduction)));
    expect(report.summary.collectedShare).toEqual(report.summary.arc.collectedShare);
    expect(report.series).toHaveLength(SMALL.days);
    expect(report.series[SMALL.days - 1]!.arcOpenMinor).toBe(
      Math.round(report.perSeed.reduce((t, p) => t + p.arc.openArEndMinor, 0) / 3),
    );
  });

  it("computes a single value's statistics without inventing a spread", () => {
    expect(stat([4])).toEqual({ mean: 4, sd: 0, min: 4, max: 4 });
    expect(stat([1, null, 3])).toEqual({ mean: 2, sd: Math.SQRT2, min: 1, max: 3 });
  });

  it("renders a markdown section with the table, the assumptions and how it was run", async () => {
    const text = renderSimulation(await smallReport());
    expect(text.startsWith("## Portfolio simulation\n")).toBe(true);
    expect(text).toContain("| metric | ARC | fixed-schedule dunning |");
    expect(text).toMatch(/\| DSO, countback .* \| [\d.]+ ± [\d.]+ \([\d.]+–[\d.]+\) \|/);
    expect(text).toContain("evals/simulation/README.md");
    expect(text).toContain("--seeds 1,2,3 --customers 40 --days 60");
  });

  it("refuses bad options, naming the option", async () => {
    await expect(runSimulation({ seeds: [1], customers: 0 })).rejects.toThrow(/customers/);
    await expect(runSimulation({ seeds: [], customers: 10 })).rejects.toThrow(/seeds/);
    await expect(runSimulation({ seeds: [1], customers: 10, days: 0 })).rejects.toThrow(/days/);
    await expect(runSimulation({ seeds: [1.5], customers: 10 })).rejects.toThrow(/seeds/);
    await expect(runSimulation({ seeds: [1], customers: 10, startDate: "2026-02-30" })).rejects.toThrow(
      /startDate/,
    );
  });
});
