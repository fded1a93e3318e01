// Errors a tool raises to say the caller asked for something that cannot be done as asked. The runner
// turns them into structured results (nothing is written); anything else is a failure.

export interface InputIssue {
  /** Dotted path of the offending field, e.g. "applications.0.amountMinor". */
  path: string;
  message: string;
}

/** The input is well-formed but wrong against the ledger (unknown invoice, currency mismatch...). */
export class ToolInputError extends Error {
  readonly issues: InputIssue[];
  constructor(path: string, message: string, more: InputIssue[] = []) {
    super(`${path}: ${message}${more.length ? ` (and ${more.length} more)` : ""}`);
    this.name = "ToolInputError";
    this.issues = [{ path, message }, ...more];
  }

  static of(issues: InputIssue[]): ToolInputError {
    const [first, ...rest] = issues;
    return new ToolInputError(first?.path ?? "(input)", first?.message ?? "invalid", rest);
  }
}

/** A decision that lost a race or came too late (already decided, expired). */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConflictError";
  }
}

export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotFoundError";
  }
}

export class ForbiddenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ForbiddenError";
  }
}
