// The approval queue: its filters and its items, in the pending_approvals tool's priority order
// (expiring within 24 hours first, then the riskiest accounts, then the oldest).
import type { FC } from "hono/jsx";
import { RULES } from "../../../policies/index.ts";
import type { Reason } from "../../../policies/types.ts";
import { EXPIRING_SOON_HOURS } from "../../../tools/read/pending-approvals.ts";
import { WRITE_TOOLS } from "../../../tools/registry.ts";
import type { Approval, QueueFilters, QueueOutput } from "../data.ts";
import { describeProposal, fromNow, money, toolLabel, utcTime } from "../format.ts";

/** "?customer=acme&selected=…": the inbox's address for these filters and this selection. */
export function inboxQuery(filters: QueueFilters, selected?: string): string {
  const params = new URLSearchParams();
  if (filters.customer) params.set("customer", filters.customer);
  if (filters.tool) params.set("tool", filters.tool);
  if (filters.rule) params.set("rule", filters.rule);
  if (selected) params.set("selected", selected);
  const text = params.toString();
  return text ? `?${text}` : "";
}

export const approvalRules = (approval: Approval): string[] =>
  (approval.reasons as Reason[]).filter((r) => r.verdict === "needs_approval").map((r) => r.ruleId);

export const AmountText: FC<{ approval: Approval }> = ({ approval }) => {
  const { amount } = approval;
  if (!amount) return <span class="muted">no amount</span>;
  const text = Object.entries(amount.byCurrency)
    .map(([currency, minor]) => money(minor, currency))
    .join(" + ");
  return (
    <span title={amount.of === "action" ? "amount of the action" : "open balance concerned"}>{text}</span>
  );
};

export const ExpiryText: FC<{ approval: Approval; now: Date }> = ({ approval, now }) => {
  if (!approval.expiresAt) return <span>no expiry</span>;
  const soon = new Date(approval.expiresAt).getTime() - now.getTime() <= EXPIRING_SOON_HOURS * 3_600_000;
  return (
    <time
      class={soon ? "expiry soon" : "expiry"}
      datetime={new Date(approval.expiresAt).toISOString()}
      title={utcTime(approval.expiresAt)}
    >
      expires {fromNow(approval.expiresAt, now)}
    </time>
  );
};

/**
 * `now` is the runner's clock, which judges expiry; when an action was proposed is the database's
 * clock (created_at), so its age is measured from the wall clock.
 */
export const QueueItems: FC<{ queue: QueueOutput; filters: QueueFilters; selected?: string; now: Date }> = ({
  queue,
  filters,
  selected,
  now,
}) => (
  <>
    {queue.approvals.map((approval) => (
      <li
        class="queue-item"
        data-id={approval.id}
        aria-current={approval.id === selected ? "true" : undefined}
      >
        <a href={`/${inboxQuery(filters, approval.id)}`}>
          <span class="qi-customer">
            {approval.customerName ?? "No customer"}
            {approval.customerRef ? <span class="ref"> {approval.customerRef}</span> : null}
          </span>
          <span class="qi-what">
            {describeProposal(approval.tool, approval.input as Record<string, unknown>)}
          </span>
          <span class="qi-meta">
            <span class="qi-amount">
              <AmountText approval={approval} />
            </span>
            <span class="qi-rules">{approvalRules(approval).join(", ")}</span>
          </span>
          <span class="qi-meta">
            <time datetime={new Date(approval.createdAt).toISOString()} title={utcTime(approval.createdAt)}>
              proposed {fromNow(approval.createdAt, new Date())}
            </time>
            <ExpiryText approval={approval} now={now} />
          </span>
        </a>
      </li>
    ))}
  </>
);

export const QueueCount: FC<{ queue: QueueOutput }> = ({ queue }) => (
  <>
    {queue.total === 0
      ? "Nothing waiting for a decision."
      : `${queue.total} waiting${queue.total > queue.approvals.length ? `, the first ${queue.approvals.length} shown` : ""}`}
  </>
);

export const Filters: FC<{ filters: QueueFilters }> = ({ filters }) => {
  const active = Boolean(filters.customer || filters.tool || filters.rule);
  return (
    <search aria-label="Filter the queue">
      <form class="filters" method="get" action="/">
        <div class="field">
          <label for="filter-customer">Customer</label>
          <input
            id="filter-customer"
            name="customer"
            type="search"
            value={filters.customer ?? ""}
            placeholder="name or number"
            maxlength={200}
            aria-keyshortcuts="/"
          />
        </div>
        <div class="field">
          <label for="filter-tool">Action</label>
          <select id="filter-tool" name="tool">
            <option value="">any action</option>
            {WRITE_TOOLS.map((tool) => (
              <option value={tool.name} selected={filters.tool === tool.name}>
                {toolLabel(tool.name)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-rule">Rule</label>
          <select id="filter-rule" name="rule">
            <option value="">any rule</option>
            {RULES.map((rule) => (
              <option value={rule.id} selected={filters.rule === rule.id} title={rule.description}>
                {rule.id}
              </option>
            ))}
          </select>
        </div>
        <div class="filter-buttons">
          <button type="submit">Filter</button>
          {active ? <a href="/">Clear</a> : null}
        </div>
      </form>
    </search>
  );
};
