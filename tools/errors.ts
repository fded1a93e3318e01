// Errors a tool raises to say the caller asked for something that cannot be done as asked. The runner
// turns them into structured results (nothing is written); anything else is a failure.

export interface InputIssue {
  /** Dotted path of the offending field, e.g. "applications.0.amountMinor". */
  path: string;
  message: string;
}

/** A UTF-16 surrogate without its pair (JSON's "\\ud800" parses to one). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function unstorableReason(text: string): string | undefined {
  if (text.includes("\u0000")) return "must not contain a NUL character (U+0000)";
  const lone = LONE_SURROGATE.exec(text)?.[0];
  if (lone === undefined) return undefined;
  return `must be valid Unicode text: it holds an unpaired surrogate (U+${lone.charCodeAt(0).toString(16).toUpperCase()})`;
}

/**
 * Every string (or field name) in `value` that PostgreSQL cannot store — one holding U+0000 (text and
 * jsonb refuse it) or an unpaired surrogate (jsonb refuses it) — by its dotted path ("(input)" for the
 * value itself), so such input is refused by name instead of failing in the database. Iterative, so
 * no nesting depth overflows the stack.
 */
export function unstorableTextIssues(value: unknown): InputIssue[] {
  type Node = { value: unknown; key?: string | number; parent?: Node };
  const pathOf = (node: Node): string => {
    const keys: (string | number)[] = [];
    for (let n: Node | undefined = node; n?.key !== undefined; n = n.parent) keys.unshift(n.key);
    return keys.length ? keys.join(".") : "(input)";
  };
  const issues: InputIssue[] = [];
  const stack: Node[] = [{ value }];
  // The first few are enough to say what is wrong.
  while (stack.length > 0 && issues.length < 20) {
    const node = stack.pop()!;
    const v = node.value;
    if (typeof v === "string") {
      const reason = unstorableReason(v);
      if (reason) issues.push({ path: pathOf(node), message: reason });
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: i, parent: node });
    } else if (v !== null && typeof v === "object") {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, item] = entries[i]!;
        const child = { value: item, key, parent: node };
        const reason = unstorableReason(key);
        if (reason) issues.push({ path: pathOf(child), message: `a field name ${reason}` });
        stack.push(child);
      }
    }
  }
  return issues;
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
