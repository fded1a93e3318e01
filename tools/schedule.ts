// When to send: the next moment a debtor's own clock shows a given time, DST included.

function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(
    get("year"),
    get("month") - 1,
    get("day"),
    get("hour"),
    get("minute"),
    get("second"),
  );
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The calendar date (YYYY-MM-DD) in `timeZone` at `instant`. */
export function localDate(instant: Date, timeZone: string): string {
  return new Date(instant.getTime() + zoneOffsetMs(instant.getTime(), timeZone)).toISOString().slice(0, 10);
}

/**
 * The first instant at or after `from` when the clock in `timeZone` reads `hhmm` ("09:00"). On a
 * spring-forward day a time that does not exist resolves to the same wall-clock distance after the
 * gap (02:30 → 03:30), as the platform's own rules do.
 */
export function nextLocalTime(from: Date, timeZone: string, hhmm: string): Date {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!match) throw new RangeError(`"${hhmm}" is not a time as HH:MM`);
  const [year, month, day] = localDate(from, timeZone).split("-").map(Number) as [number, number, number];
  for (let offsetDays = 0; offsetDays < 3; offsetDays++) {
    const wall = Date.UTC(year, month - 1, day + offsetDays, Number(match[1]), Number(match[2]));
    const first = wall - zoneOffsetMs(wall, timeZone);
    const candidate = wall - zoneOffsetMs(first, timeZone);
    if (candidate >= from.getTime()) return new Date(candidate);
  }
  throw new Error(`no ${hhmm} in ${timeZone} within three days of ${from.toISOString()}`);
}
