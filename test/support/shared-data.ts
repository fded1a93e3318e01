// Where the public reference files live (../shared/data beside the project, see its README). A CI
// clone may sit elsewhere on the same machine, so the workplace's own copy is the fallback.
import { existsSync } from "node:fs";
import { join } from "node:path";

const candidates = [
  process.env.ARC_SHARED_DATA,
  join(import.meta.dirname, "../../../shared/data"),
  "/work/shared/data",
].filter((p): p is string => typeof p === "string" && p.length > 0);

export const SHARED_DATA = candidates.find((p) => existsSync(join(p, "README.md"))) ?? candidates.at(-1)!;
