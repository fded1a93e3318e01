// The selected proposal: what it would do, why the proposer proposed it and which rule holds it for
// approval, the decision form (the draft message editable), and the account's context.
import type { FC } from "hono/jsx";
import { CHANNELS } from "../../../db/schema.ts";
import type { Caller, Reason } from "../../../policies/types.ts";
import type { AccountOverview, Approval, AuditEntries, ProposalView } from "../data.ts";
import type { DecisionFields } from "../decision.ts";
import { channelLabel, describeProposal, fromNow, money, percent, utcTime } from "../format.ts";
import type { WebSession } from "../session.ts";
import { AccountContext } from "./account.tsx";
import { AmountText, ExpiryText } from "./queue.tsx";

/** An error to show beside the decision form: the API's code and message. */
export interface ShownError {
  status: number;
  code: string;
  message: string;
}

export interface ProposalPanelProps {
  view: ProposalView | null;
  session: WebSession;
  now: Date;
  /** The inbox query (filters) a form posted without JavaScript returns to. */
  returnTo: string;
  canDecide: boolean;
  error?: ShownError | undefined;
  /** What the collector had typed when a decision was refused, so nothing is lost. */
  draft?: DecisionFields | undefined;
}

export const ProposalPanel: FC<ProposalPanelProps> = (props) => {
  const { view } = props;
  if (!view) {
    return (
      <div class="empty">
        <h2>Nothing selected</h2>
        <p>The queue is empty for these filters, or pick a proposal from the list.</p>
      </div>
    );
  }
  if (view.kind === "gone")
    return <GoneProposal actionId={view.actionId} entries={view.entries} error={props.error} />;
  return <PendingProposal {...props} approval={view.approval} account={view.account} />;
};

/** An action that is no longer waiting: say what became of it, from its audit entries. */
const GoneProposal: FC<{ actionId: string; entries: AuditEntries; error?: ShownError | undefined }> = ({
  actionId,
  entries,
  error,
}) => {
  const decided = entries.find((e) =>
    ["action.approved", "action.edited", "action.rejected", "action.expired"].includes(e.event),
  );
  return (
    <article class="proposal-detail" data-action-id={actionId} aria-labelledby="proposal-title">
      <h2 id="proposal-title">This proposal is no longer waiting</h2>
      {error ? <ErrorBox error={error} /> : null}
      <p>
        {decided
          ? `${decided.event.replace("action.", "")} by ${decided.actor} at ${utcTime(decided.at)}.`
          : entries.length > 0
            ? "It is not pending any more."
            : "There is no such proposal."}
      </p>
      <p>
        <a href="/">Back to the queue</a>
      </p>
    </article>
  );
};

const ErrorBox: FC<{ error: ShownError }> = ({ error }) => (
  <div class="flash flash-error" role="alert" id="decision-error">
    <strong>{errorTitle(error)}</strong> {error.message}
  </div>
);

function errorTitle(error: ShownError): string {
  if (error.code === "policy_denied") return "The policy refused it:";
  if (error.status === 409) return "Conflict:";
  if (error.status === 403) return "Not allowed:";
  if (error.status === 422) return "Refused:";
  return "Error:";
}

const callerText = (caller: Caller) => `${caller.kind}:${caller.id}`;

const PendingProposal: FC<ProposalPanelProps & { approval: Approval; account: AccountOverview | null }> = ({
  approval,
  account,
  session,
  now,
  returnTo,
  canDecide,
  error,
  draft,
}) => {
  const input = approval.input as Record<string, unknown>;
  const reasons = approval.reasons as Reason[];
  const caller = approval.caller as Caller;
  // Ids in the input, as people know them: invoice numbers, the customer's name.
  const refs = new Map((account?.openInvoices ?? []).map((i) => [i.id, i.externalRef]));
  if (account) refs.set(account.customer.id, `${account.customer.name} (${account.customer.externalRef})`);
  return (
    <article class="proposal-detail" data-action-id={approval.id} aria-labelledby="proposal-title">
      <header class="proposal-head">
        <h2 id="proposal-title">{describeProposal(approval.tool, input)}</h2>
        <p class="sub">
          {approval.customerName ?? "No customer"}
          {approval.customerRef ? ` (${approval.customerRef})` : ""} · <AmountText approval={approval} /> ·
          proposed by {callerText(caller)} {fromNow(approval.createdAt, new Date())} ·{" "}
          <ExpiryText approval={approval} now={now} />
        </p>
      </header>
      <div id="decision-feedback" class="feedback" role="alert">
        {error ? <ErrorBox error={error} /> : null}
      </div>
      <p id="proposal-gone" class="flash flash-info" role="status" hidden>
        This proposal has left the queue: someone decided it elsewhere or it expired. A decision now is
        refused.
      </p>

      <section aria-labelledby="why-title" class="card">
        <h3 id="why-title">Why it was proposed</h3>
        <p class="rationale">{approval.rationale ?? `${callerText(caller)} gave no explanation.`}</p>
        <Alternatives
          approval={approval}
          session={session}
          canDecide={canDecide}
          returnTo={returnTo}
          refs={refs}
        />
      </section>

      <section aria-labelledby="rules-title" class="card">
        <h3 id="rules-title">Held for approval by</h3>
        <ul class="reasons">
          {reasons.map((reason) => (
            <li class={`reason reason-${reason.verdict}`}>
              <code>{reason.ruleId}</code> {reason.message}
              {reason.citation ? <span class="citation"> ({reason.citation})</span> : null}
            </li>
          ))}
        </ul>
        <p class="muted">Policy version {approval.policyVersion}.</p>
      </section>

      <DecisionForm
        approval={approval}
        input={input}
        session={session}
        canDecide={canDecide}
        returnTo={returnTo}
        refs={refs}
        draft={draft}
      />

      {account ? <AccountContext account={account} now={now} /> : null}
    </article>
  );
};

interface FormProps {
  approval: Approval;
  input: Record<string, unknown>;
  session: WebSession;
  canDecide: boolean;
  returnTo: string;
  refs: Map<string, string>;
  draft?: DecisionFields | undefined;
}

const DecisionForm: FC<FormProps> = ({ approval, input, session, canDecide, returnTo, refs, draft }) => {
  const isMessage = approval.tool === "send_message";
  return (
    <form
      class="decision card"
      method="post"
      action={`/inbox/proposals/${approval.id}/decision`}
      data-decision-form
      aria-labelledby="decision-title"
    >
      <h3 id="decision-title">{isMessage ? "The draft message" : "The proposed action"}</h3>
      <input type="hidden" name="_csrf" value={session.csrfToken} />
      <input type="hidden" name="return_to" value={returnTo} />
      {isMessage ? (
        <MessageFields input={input} canDecide={canDecide} refs={refs} draft={draft} />
      ) : (
        <InputFields input={input} canDecide={canDecide} refs={refs} draft={draft} />
      )}
      <div class="field">
        <label for="decision-note">Note (a reason is required to reject)</label>
        <textarea id="decision-note" name="note" rows={2} maxlength={2000} readonly={!canDecide}>
          {draft?.note ? `\n${draft.note}` : ""}
        </textarea>
      </div>
      <div class="decision-buttons">
        <button type="submit" name="decision" value="approve" disabled={!canDecide} aria-keyshortcuts="a">
          Approve <kbd>a</kbd>
        </button>
        <button type="submit" name="decision" value="edit" disabled={!canDecide} aria-keyshortcuts="e">
          Approve with edits <kbd>e</kbd>
        </button>
        <button
          type="submit"
          name="decision"
          value="reject"
          class="danger"
          disabled={!canDecide}
          aria-keyshortcuts="r"
        >
          Reject <kbd>r</kbd>
        </button>
      </div>
      {canDecide ? null : (
        <p class="muted" id="viewer-note">
          Signed in as a {session.role}: you can look, not decide. Approving, editing and rejecting need a
          collector or admin key.
        </p>
      )}
    </form>
  );
};

/** The message's channel, subject and body, editable; the invoices it concerns, for reference. */
const MessageFields: FC<{
  input: Record<string, unknown>;
  canDecide: boolean;
  refs: Map<string, string>;
  draft?: DecisionFields | undefined;
}> = ({ input, canDecide, refs, draft }) => {
  const channel = draft?.channel ?? String(input.channel ?? "email");
  const subject = draft?.subject ?? (typeof input.subject === "string" ? input.subject : "");
  const body = draft?.body ?? (typeof input.body === "string" ? input.body : "");
  const invoices = Array.isArray(input.invoiceIds) ? (input.invoiceIds as string[]) : [];
  return (
    <>
      <div class="field-row">
        <div class="field">
          <label for="message-channel">Channel</label>
          <select id="message-channel" name="channel" disabled={!canDecide}>
            {CHANNELS.map((option) => (
              <option value={option} selected={option === channel}>
                {channelLabel(option)}
              </option>
            ))}
          </select>
        </div>
        <div class="field grow">
          <label for="message-subject">Subject</label>
          <input id="message-subject" name="subject" value={subject} maxlength={300} readonly={!canDecide} />
        </div>
      </div>
      <div class="field">
        <label for="message-body">Body</label>
        <textarea id="message-body" name="body" rows={10} readonly={!canDecide} data-edit-target>
          {`\n${body}`}
        </textarea>
      </div>
      <p class="muted">
        {typeof input.scheduledFor === "string" ? `Goes out ${utcTime(input.scheduledFor)}. ` : ""}
        {invoices.length > 0 ? `About ${invoices.map((id) => refs.get(id) ?? id).join(", ")}.` : ""}
      </p>
    </>
  );
};

/** Any other action's input, readable, and editable as JSON for an edit-and-approve. */
const InputFields: FC<{
  input: Record<string, unknown>;
  canDecide: boolean;
  refs: Map<string, string>;
  draft?: DecisionFields | undefined;
}> = ({ input, canDecide, refs, draft }) => (
  <>
    <dl class="input-list">
      {Object.entries(input).map(([key, value]) => (
        <>
          <dt>{key}</dt>
          <dd>{describeValue(value, refs)}</dd>
        </>
      ))}
    </dl>
    <details open={draft?.input !== undefined}>
      <summary>Edit the input as JSON</summary>
      <div class="field">
        <label for="action-input">
          Input (JSON; executed in place of the proposal's when you approve with edits)
        </label>
        <textarea id="action-input" name="input" rows={8} class="mono" readonly={!canDecide} data-edit-target>
          {`\n${draft?.input ?? JSON.stringify(input, null, 2)}`}
        </textarea>
      </div>
    </details>
  </>
);

/** A value of an action's input for people: invoice ids as their numbers, structures as JSON. */
function describeValue(value: unknown, refs: Map<string, string>): string {
  if (typeof value === "string") return refs.get(value) ?? value;
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
    return value.map((v) => refs.get(v) ?? v).join(", ");
  }
  if (typeof value === "object" && value !== null) {
    return JSON.stringify(value, (_key, v) => (typeof v === "string" ? (refs.get(v) ?? v) : v));
  }
  return String(value);
}

interface Alternative {
  why?: string;
  method?: string;
  confidence?: number;
  applications?: { invoiceId: string; invoice?: string; amountMinor: number }[];
}

/**
 * The options the proposer ranked below its proposal. A cash-application alternative can be
 * approved instead of the proposal: an edit whose input is that alternative's applications.
 */
const Alternatives: FC<{
  approval: Approval;
  session: WebSession;
  canDecide: boolean;
  returnTo: string;
  refs: Map<string, string>;
}> = ({ approval, session, canDecide, returnTo, refs }) => {
  const alternatives = Array.isArray(approval.alternatives) ? (approval.alternatives as Alternative[]) : [];
  if (alternatives.length === 0) return <p class="muted">No alternatives were proposed.</p>;
  const input = approval.input as Record<string, unknown>;
  const currency = Object.keys(approval.amount?.byCurrency ?? {})[0];
  return (
    <>
      <h4>Alternatives it ranked lower</h4>
      <ol class="alternatives">
        {alternatives.map((alternative, index) => (
          <li>
            <p>
              {alternative.why ?? JSON.stringify(alternative)}
              {typeof alternative.confidence === "number"
                ? ` (confidence ${percent(alternative.confidence)})`
                : ""}
            </p>
            {alternative.applications ? (
              <ul>
                {alternative.applications.map((application) => (
                  <li>
                    {application.invoice ?? refs.get(application.invoiceId) ?? application.invoiceId}:{" "}
                    {currency ? money(application.amountMinor, currency) : application.amountMinor}
                  </li>
                ))}
              </ul>
            ) : null}
            {approval.tool === "apply_payment" && alternative.applications ? (
              <form method="post" action={`/inbox/proposals/${approval.id}/decision`} data-decision-form>
                <input type="hidden" name="_csrf" value={session.csrfToken} />
                <input type="hidden" name="return_to" value={returnTo} />
                <input
                  type="hidden"
                  name="input"
                  value={JSON.stringify({
                    ...input,
                    applications: alternative.applications.map(({ invoiceId, amountMinor }) => ({
                      invoiceId,
                      amountMinor,
                    })),
                    ...(alternative.method ? { method: alternative.method } : {}),
                    ...(typeof alternative.confidence === "number"
                      ? { confidence: alternative.confidence }
                      : {}),
                  })}
                />
                <button type="submit" name="decision" value="edit" disabled={!canDecide}>
                  Approve alternative {index + 1} instead
                </button>
              </form>
            ) : null}
          </li>
        ))}
      </ol>
    </>
  );
};
