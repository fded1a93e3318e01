// The dunning ladder as a segment sees it: the policy's levels without the ones the segment skips,
// each at its offset moved by the segment's shift. Shared by the specialist (which level is due) and
// the router (how long before the due date collection must be woken for the first level).
import type { DunningLevel, PolicyDocument } from "../../policies/document.ts";
import type { CollectionSegment } from "./segment.ts";

export type LadderStep = DunningLevel & {
  /** Days from the due date (negative: before it) on which the level is due for the segment. */
  at: number;
};

export function segmentLadder(policy: PolicyDocument, segment: CollectionSegment): LadderStep[] {
  const segmentPolicy = policy.dunning.segments[segment];
  const skip = new Set(segmentPolicy.skipLevels ?? []);
  return policy.dunning.levels
    .filter((l) => !skip.has(l.name))
    .map((l) => ({ ...l, at: l.offsetDays + segmentPolicy.offsetShiftDays }));
}
