// The API's errors: one JSON shape, a stable code per kind of problem, and the HTTP status used
// precisely. Handlers throw ApiError (or the tools' own errors, mapped here); the app's error handler
// renders it with the request id.
//
//   400 malformed_json             the body is not JSON
//   401 unauthenticated            no key / invalid_api_key / api_key_revoked
//   403 forbidden                  the key's role may not do this (names role and action)
//   404 not_found                  unknown route or id (a malformed id cannot exist either)
//   405 method_not_allowed         a known path, another method (Allow names the ones it takes)
//   409 conflict                   already decided, expired, duplicate version, run already going
//   413 payload_too_large
//   415 unsupported_media_type
//   422 validation_failed          the request does not match the schema (issues name the fields)
//   422 invalid_input              the ledger refuses the input (unknown invoice, currency mismatch)
//   422 invalid_policy             an uploaded policy document (errors name their paths)
//   422 policy_denied              the policy engine blocked the action (reasons name the rules)
//   500 action_failed / internal
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  ConflictError,
  ForbiddenError,
  type InputIssue,
  NotFoundError,
  ToolInputError,
} from "../../tools/errors.ts";
import type { ToolResult } from "../../tools/runner.ts";

export type IssueLocation = "path" | "query" | "body";

export interface ApiIssue {
  location: IssueLocation;
  /** Dotted path of the field within its location, e.g. "applications.0.amountMinor". */
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown; requestId: string };
}

export function errorBody(error: ApiError, requestId: string): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details === undefined ? {} : { details: error.details }),
      requestId,
    },
  };
}

/** "body.note: must not be empty (and 2 more)": the message names the first field. */
function describeIssues(issues: ApiIssue[]): string {
  const [first] = issues;
  if (!first) return "invalid request";
  const where = first.path === "(input)" ? first.location : `${first.location}.${first.path}`;
  return `${where}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ""}`;
}

export function validationFailed(issues: ApiIssue[]): ApiError {
  return new ApiError(422, "validation_failed", `invalid request: ${describeIssues(issues)}`, { issues });
}

export function invalidInput(issues: InputIssue[], location: IssueLocation): ApiError {
  const located = issues.map((issue) => ({ location, ...issue }));
  return new ApiError(422, "invalid_input", `the input was refused: ${describeIssues(located)}`, {
    issues: located,
  });
}

export function notFound(message: string): ApiError {
  return new ApiError(404, "not_found", message);
}

/** Any thrown value as an ApiError: the tools' error classes keep their meaning. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof NotFoundError) return notFound(error.message);
  if (error instanceof ConflictError) return new ApiError(409, "conflict", error.message);
  if (error instanceof ForbiddenError) return new ApiError(403, "forbidden", error.message);
  if (error instanceof ToolInputError) return invalidInput(error.issues, "body");
  if (error instanceof HTTPException) {
    return new ApiError(error.status as ContentfulStatusCode, `http_${error.status}`, error.message);
  }
  return new ApiError(500, "internal", "internal error; the request id finds it in the server log");
}

/**
 * The outcomes of a write call that are not successes, as errors: refused input (422), denied by
 * policy (422, with the rules), expired (409), failed while executing (500). Success outcomes
 * (executed, pending_approval, rejected) return null and the route answers them.
 */
export function writeOutcomeError(result: ToolResult, location: IssueLocation): ApiError | null {
  switch (result.status) {
    case "invalid":
      return invalidInput(result.issues, location);
    case "blocked":
      return new ApiError(
        422,
        "policy_denied",
        `the policy refused the action: ${result.reasons
          .filter((r) => r.verdict === "deny")
          .map((r) => `${r.ruleId}: ${r.message}`)
          .join("; ")}`,
        {
          actionId: result.actionId,
          policyVersion: result.policyVersion,
          reasons: result.reasons,
          replayed: result.replayed,
        },
      );
    case "expired":
      return new ApiError(
        409,
        "approval_expired",
        `action ${result.actionId} expired before it was decided`,
        {
          actionId: result.actionId,
        },
      );
    case "failed":
      return new ApiError(500, "action_failed", `action ${result.actionId} failed: ${result.error}`, {
        actionId: result.actionId,
      });
    default:
      return null;
  }
}
