// contact.local_time: 08:00 is inside the window, 21:00 is not (start inclusive, end exclusive), in the
// customer's IANA zone, across DST changes and half-hour offsets.
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, evaluate } from "../../policies/index.ts";
import { customer, facts, judge, outreach, policyWith } from "./builders.ts";

const RULE = "contact.local_time";

function at(now: string, timezone: string, channel: "email" | "sms" | "call" | "letter" = "email") {
  const f = facts({ now, customer: customer({ timezone }) });
  return judge(RULE, outreach(f, { channel }), f);
}

describe("contact.local_time", () => {
  it.each([
    // [UTC instant, zone, local time, allowed]
    ["2026-01-15T13:00:00.000Z", "America/New_York", "08:00 EST", true],
    ["2026-01-15T12:59:59.000Z", "America/New_York", "07:59:59 EST", false],
    ["2026-01-16T01:59:59.000Z", "America/New_York", "20:59:59 EST", true],
    ["2026-01-16T02:00:00.000Z", "America/New_York", "21:00 EST", false],
    // Spring forward, Sunday 8 March 2026: the same UTC instant reads an hour later than the day before.
    ["2026-03-07T12:30:00.000Z", "America/New_York", "07:30 EST (day before DST)", false],
    ["2026-03-08T12:30:00.000Z", "America/New_York", "08:30 EDT (DST day)", true],
    ["2026-03-08T12:00:00.000Z", "America/New_York", "08:00 EDT", true],
    ["2026-03-08T11:59:59.000Z", "America/New_York", "07:59:59 EDT", false],
    ["2026-03-08T06:30:00.000Z", "America/New_York", "01:30 EST, just before the gap", false],
    ["2026-03-09T00:59:00.000Z", "America/New_York", "20:59 EDT", true],
    ["2026-03-09T01:00:00.000Z", "America/New_York", "21:00 EDT", false],
    // Fall back, Sunday 1 November 2026.
    ["2026-10-31T12:30:00.000Z", "America/New_York", "08:30 EDT (day before)", true],
    ["2026-11-01T12:30:00.000Z", "America/New_York", "07:30 EST (DST over)", false],
    ["2026-11-01T13:00:00.000Z", "America/New_York", "08:00 EST", true],
    ["2026-11-02T01:59:00.000Z", "America/New_York", "20:59 EST", true],
    ["2026-11-02T02:00:00.000Z", "America/New_York", "21:00 EST", false],
    // Europe/Berlin: CET→CEST on 29 March 2026, back on 25 October 2026.
    ["2026-03-28T06:30:00.000Z", "Europe/Berlin", "07:30 CET", false],
    ["2026-03-29T06:30:00.000Z", "Europe/Berlin", "08:30 CEST", true],
    ["2026-10-24T06:30:00.000Z", "Europe/Berlin", "08:30 CEST", true],
    ["2026-10-25T06:30:00.000Z", "Europe/Berlin", "07:30 CET", false],
    ["2026-10-25T19:59:00.000Z", "Europe/Berlin", "20:59 CET", true],
    ["2026-10-25T20:00:00.000Z", "Europe/Berlin", "21:00 CET", false],
    // Asia/Kolkata, UTC+05:30, no DST.
    ["2026-01-15T02:30:00.000Z", "Asia/Kolkata", "08:00 IST", true],
    ["2026-01-15T02:29:59.000Z", "Asia/Kolkata", "07:59:59 IST", false],
    ["2026-01-15T15:29:59.000Z", "Asia/Kolkata", "20:59:59 IST", true],
    ["2026-01-15T15:30:00.000Z", "Asia/Kolkata", "21:00 IST", false],
    // Past midnight local while still "yesterday" in UTC.
    ["2026-01-15T15:30:00.000Z", "Pacific/Auckland", "04:30 NZDT", false],
    ["2026-01-15T20:00:00.000Z", "Pacific/Auckland", "09:00 NZDT", true],
  ])("%s in %s (%s): allowed %s", (now, zone, _local, allowed) => {
    expect(at(now, zone).verdict).toBe(allowed ? "allow" : "deny");
  });

  it("says what time it is locally and what the window is", () => {
    const r = at("2026-11-01T12:30:00.000Z", "America/New_York", "sms");
    expect(r.text).toBe("it is 07:30 in America/New_York; SMS only from 08:00 to before 21:00 local time");
    expect(r.reasons[0]?.citation).toBe("15 U.S.C. 1692c(a)(1); 12 CFR 1006.6(b)(1)(i)");
  });

  it("applies to email, SMS and calls; letters are exempt", () => {
    const night = "2026-01-15T08:00:00.000Z"; // 03:00 in New York
    expect(at(night, "America/New_York", "email").verdict).toBe("deny");
    expect(at(night, "America/New_York", "sms").verdict).toBe("deny");
    expect(at(night, "America/New_York", "call").verdict).toBe("deny");
    expect(at(night, "America/New_York", "letter").verdict).toBe("allow");
  });

  it("an invalid time zone is denied, naming the zone", () => {
    const r = at("2026-01-15T15:00:00.000Z", "Mars/Olympus_Mons");
    expect(r.verdict).toBe("deny");
    expect(r.text).toMatch(/"Mars\/Olympus_Mons" is not a valid IANA time zone/);
    expect(at("2026-01-15T15:00:00.000Z", "").verdict).toBe("deny");
  });

  it("follows the policy's window", () => {
    const p = policyWith((doc) => (doc.contact.localTime = { start: "09:30", end: "17:00" }));
    const f = (now: string) => facts({ now });
    const judgeAt = (now: string) => judge(RULE, outreach(f(now)), f(now), p).verdict;
    expect(judgeAt("2026-01-15T14:29:00.000Z")).toBe("deny"); // 09:29 EST
    expect(judgeAt("2026-01-15T14:30:00.000Z")).toBe("allow"); // 09:30
    expect(judgeAt("2026-01-15T21:59:00.000Z")).toBe("allow"); // 16:59
    expect(judgeAt("2026-01-15T22:00:00.000Z")).toBe("deny"); // 17:00
  });

  it("through evaluate, only the time rule objects to an otherwise clean message at night", () => {
    const f = facts({ now: "2026-04-16T02:30:00.000Z" }); // 22:30 EDT
    const verdict = evaluate(outreach(f), f, DEFAULT_POLICY);
    expect(verdict.verdict).toBe("deny");
    expect(verdict.reasons.map((r) => r.ruleId)).toEqual([RULE]);
  });
});
