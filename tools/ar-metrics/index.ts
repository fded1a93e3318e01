// Pure AR metrics, the 13-week cash-in forecast, risk calibration and the collector worklist. No
// database, no clock: callers load the inputs and pass asOf. See README.md for every definition.
export * from "./account-risk.ts";
export * from "./calibration.ts";
export * from "./cash-forecast.ts";
export { addDays, daysBetween, isoWeekday, isoWeekLabel } from "./dates.ts";
export * from "./distribution.ts";
export * from "./metrics.ts";
export * from "./worklist.ts";
