import { describe, expect, it } from "vitest";
import { localDate, nextLocalTime } from "../../tools/schedule.ts";

const at = (iso: string) => new Date(iso);

describe("nextLocalTime", () => {
  it("finds the next 09:00 on the debtor's own clock", () => {
    // 02:00 UTC on 10 March 2026 is 22:00 on the 9th in New York (EDT since 8 March).
    expect(nextLocalTime(at("2026-03-10T02:00:00Z"), "America/New_York", "09:00").toISOString()).toBe(
      "2026-03-10T13:00:00.000Z",
    );
    // ...and 11:00 in Tokyo, past 09:00: tomorrow.
    expect(nextLocalTime(at("2026-03-10T02:00:00Z"), "Asia/Tokyo", "09:00").toISOString()).toBe(
      "2026-03-11T00:00:00.000Z",
    );
    // 07:30 in Kolkata (UTC+05:30): later the same morning.
    expect(nextLocalTime(at("2026-03-10T02:00:00Z"), "Asia/Kolkata", "09:00").toISOString()).toBe(
      "2026-03-10T03:30:00.000Z",
    );
    expect(nextLocalTime(at("2026-03-10T02:00:00Z"), "Europe/Berlin", "09:00").toISOString()).toBe(
      "2026-03-10T08:00:00.000Z",
    );
  });

  it("is exact at the boundary and across DST changes", () => {
    expect(nextLocalTime(at("2026-03-10T13:00:00Z"), "America/New_York", "09:00").toISOString()).toBe(
      "2026-03-10T13:00:00.000Z",
    );
    // Spring forward in New York on 8 March 2026: 09:00 is EDT (UTC−4); the day before it was EST.
    expect(nextLocalTime(at("2026-03-07T20:00:00Z"), "America/New_York", "09:00").toISOString()).toBe(
      "2026-03-08T13:00:00.000Z",
    );
    expect(nextLocalTime(at("2026-03-07T05:00:00Z"), "America/New_York", "09:00").toISOString()).toBe(
      "2026-03-07T14:00:00.000Z",
    );
    // Fall back in Berlin on 25 October 2026.
    expect(nextLocalTime(at("2026-10-25T00:00:00Z"), "Europe/Berlin", "09:00").toISOString()).toBe(
      "2026-10-25T08:00:00.000Z",
    );
    expect(nextLocalTime(at("2026-10-24T00:00:00Z"), "Europe/Berlin", "09:00").toISOString()).toBe(
      "2026-10-24T07:00:00.000Z",
    );
  });

  it("gives the local calendar date and refuses a malformed time", () => {
    expect(localDate(at("2026-03-10T02:00:00Z"), "America/Los_Angeles")).toBe("2026-03-09");
    expect(localDate(at("2026-03-10T20:00:00Z"), "Pacific/Auckland")).toBe("2026-03-11");
    expect(() => nextLocalTime(at("2026-03-10T02:00:00Z"), "UTC", "9am")).toThrow(
      '"9am" is not a time as HH:MM',
    );
  });
});
