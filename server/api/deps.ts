// What route handlers share, and how they call read tools: the API reads through the same tools the
// agents and MCP use, so a read means the same thing whichever way it is asked.

import type { Logger } from "pino";
import { z } from "zod";
import type { Brain } from "../../agents/brain.ts";
import type { Caller } from "../../policies/types.ts";
import type { Arc } from "../context.ts";
import { ApiError, type IssueLocation, invalidInput, notFound } from "./errors.ts";
import type { RunTracker } from "./run-tracker.ts";

export interface ApiDeps {
  arc: Arc;
  brain: Brain;
  runs: RunTracker;
  logger: Logger;
  /** How often a run's progress stream polls the database for a run of another process. */
  runPollMs: number;
}

/**
 * A read tool's output. Refused input is a 422 naming the field, except on `idField`: a tool that
 * refuses the id the URL names ("no customer …") means the resource is not there (404).
 */
export async function readTool<O>(
  deps: ApiDeps,
  name: string,
  input: unknown,
  caller: Caller,
  options: { location: IssueLocation; idField?: string } = { location: "query" },
): Promise<O> {
  const result = await deps.arc.runner.call<O>(name, input, { caller });
  if (result.status === "ok") return result.output;
  if (result.status === "invalid") {
    const onId = options.idField ? result.issues.find((issue) => issue.path === options.idField) : undefined;
    if (onId) throw notFound(onId.message);
    throw invalidInput(result.issues, options.location);
  }
  throw new ApiError(500, "internal", `read tool ${name} ended ${result.status}`);
}

/** A path parameter that must be a UUID (a malformed one names nothing: 404). */
export const uuidParams = <K extends string>(...names: K[]) =>
  z.object(
    Object.fromEntries(names.map((name) => [name, z.uuid({ message: `${name} must be a UUID` })])) as Record<
      K,
      z.ZodUUID
    >,
  );
