// The account behind a proposal, from the account_overview tool: flags, risk and its factors, aging per
// currency, open invoices with their pay-date forecasts, live disputes, promises, plans, previous
// messages and contacts.
import type { FC } from "hono/jsx";
import type { AccountOverview } from "../data.ts";
import { channelLabel, fromNow, money, percent, utcTime } from "../format.ts";
import { AgingTable } from "./charts.tsx";

const FLAGS: [keyof AccountOverview["customer"], string][] = [
  ["doNotContactAt", "do not contact"],
  ["ceaseCommunicationAt", "cease communication"],
  ["bankruptcyFiledAt", "bankruptcy"],
  ["legalHoldAt", "legal hold"],
  ["creditHoldAt", "credit hold"],
  ["attorneyRepresentedAt", "attorney represented"],
  ["legalEscalatedAt", "escalated to legal"],
];

export const AccountContext: FC<{ account: AccountOverview; now: Date }> = ({ account, now }) => {
  const { customer } = account;
  const flags = FLAGS.filter(([column]) => customer[column]).map(([, label]) => label);
  if (customer.isConsumer) flags.push("consumer");
  if (customer.strategic) flags.push("strategic");
  if (!customer.automationEnabled) flags.push("automation off");
  return (
    <section class="account" aria-labelledby="account-title">
      <h3 id="account-title">
        The account: {customer.name} <span class="ref">{customer.externalRef}</span>
      </h3>
      <p class="badges">
        {customer.segment ? <span class="badge">{customer.segment}</span> : null}
        {flags.map((flag) => (
          <span class="badge badge-flag">{flag}</span>
        ))}
        <span class="muted">
          {customer.timezone} · terms {customer.paymentTermsDays} days · as of {account.asOf}
        </span>
      </p>
      <Risk account={account} now={now} />
      <Aging account={account} />
      <OpenInvoices account={account} />
      <Disputes account={account} />
      <Promises account={account} />
      <Messages account={account} now={now} />
      <Contacts account={account} />
    </section>
  );
};

const Risk: FC<{ account: AccountOverview; now: Date }> = ({ account, now }) => {
  const { risk } = account;
  return (
    <div class="card">
      <h4>Risk</h4>
      {risk.score === null ? (
        <p class="muted">Not scored yet: the next run's forecasting scores the account.</p>
      ) : (
        <>
          <p>
            <strong class="risk-score">{risk.score.toFixed(1)}%</strong> likely to pay its open balance more
            than 30 days late
            {risk.scoredAt ? ` (scored ${fromNow(risk.scoredAt, now)}` : " ("}
            {risk.modelVersion ? `, model ${risk.modelVersion})` : ")"}.
          </p>
          {risk.factors.length > 0 ? (
            <table>
              <caption>
                What the score is made of: each invoice's share of the balance × its late probability
              </caption>
              <thead>
                <tr>
                  <th scope="col">Invoice</th>
                  <th scope="col" class="num">
                    Share of balance
                  </th>
                  <th scope="col" class="num">
                    Late probability
                  </th>
                  <th scope="col" class="num">
                    Contribution
                  </th>
                </tr>
              </thead>
              <tbody>
                {risk.factors.map((factor) => (
                  <tr>
                    <th scope="row">{factor.name}</th>
                    <td class="num">{percent(factor.weight)}</td>
                    <td class="num">{percent(factor.value)}</td>
                    <td class="num">{(factor.weight * factor.value * 100).toFixed(1)} pts</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </>
      )}
    </div>
  );
};

const Aging: FC<{ account: AccountOverview }> = ({ account }) => (
  <div class="card">
    <h4 id="aging-title">Aging</h4>
    {account.aging.length === 0 ? (
      <p class="muted">Nothing open.</p>
    ) : (
      <AgingTable aging={account.aging} labelledBy="aging-title" />
    )}
  </div>
);

const OpenInvoices: FC<{ account: AccountOverview }> = ({ account }) => (
  <div class="card">
    <h4 id="invoices-title">Open invoices ({account.openInvoices.length})</h4>
    {account.openInvoices.length === 0 ? (
      <p class="muted">None.</p>
    ) : (
      <div class="table-scroll">
        <table aria-labelledby="invoices-title">
          <thead>
            <tr>
              <th scope="col">Invoice</th>
              <th scope="col">Due</th>
              <th scope="col" class="num">
                Days late
              </th>
              <th scope="col" class="num">
                Balance
              </th>
              <th scope="col">Forecast pay date (P10–P90)</th>
              <th scope="col" class="num">
                P(&gt;30 days late)
              </th>
            </tr>
          </thead>
          <tbody>
            {account.openInvoices.map((invoice) => (
              <tr>
                <th scope="row">
                  {invoice.externalRef}
                  {invoice.disputed ? <span class="badge badge-flag">disputed</span> : null}
                </th>
                <td>{invoice.dueDate}</td>
                <td class="num">{invoice.daysOverdue}</td>
                <td class="num">{money(invoice.balanceMinor, invoice.currency)}</td>
                <td>
                  {invoice.prediction
                    ? `${invoice.prediction.predictedPayDate}${
                        invoice.prediction.p10PayDate && invoice.prediction.p90PayDate
                          ? ` (${invoice.prediction.p10PayDate} – ${invoice.prediction.p90PayDate})`
                          : ""
                      }`
                    : "no forecast yet"}
                </td>
                <td class="num">
                  {invoice.prediction?.lateProbability == null
                    ? "–"
                    : percent(invoice.prediction.lateProbability)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )}
  </div>
);

const Disputes: FC<{ account: AccountOverview }> = ({ account }) => (
  <div class="card">
    <h4>Live disputes ({account.disputes.length})</h4>
    {account.disputes.length === 0 ? (
      <p class="muted">None.</p>
    ) : (
      <ul>
        {account.disputes.map((dispute) => (
          <li>
            {dispute.category.replace(/_/g, " ")} · {money(dispute.amountMinor, dispute.currency)} ·{" "}
            {dispute.status}, opened {dispute.openedAt.toISOString().slice(0, 10)}
            {dispute.description ? <p class="quote">{dispute.description}</p> : null}
          </li>
        ))}
      </ul>
    )}
  </div>
);

const Promises: FC<{ account: AccountOverview }> = ({ account }) => (
  <div class="card">
    <h4>Promises to pay and plans</h4>
    {account.promisesToPay.length === 0 && account.paymentPlans.length === 0 ? (
      <p class="muted">None open.</p>
    ) : (
      <ul>
        {account.promisesToPay.map((promise) => (
          <li>
            Promise of {money(promise.amountMinor, promise.currency)} by {promise.promisedDate} (
            {promise.source}){promise.broken ? <span class="badge badge-flag">broken</span> : null}
          </li>
        ))}
        {account.paymentPlans.map((plan) => (
          <li>
            Payment plan ({plan.status}) of {money(plan.totalMinor, plan.currency)} in{" "}
            {Array.isArray(plan.installments) ? plan.installments.length : "?"} instalments
          </li>
        ))}
      </ul>
    )}
  </div>
);

const Messages: FC<{ account: AccountOverview; now: Date }> = ({ account, now }) => (
  <div class="card">
    <h4>Previous messages ({account.recentCommunications.length})</h4>
    {account.recentCommunications.length === 0 ? (
      <p class="muted">None yet.</p>
    ) : (
      // A long history scrolls inside its box; the box takes focus so the keyboard can scroll it too.
      <ol class="messages" tabindex={0} aria-label="Previous messages, newest first">
        {account.recentCommunications.map((message) => (
          <li>
            <p class="message-head">
              <span>
                {message.direction === "inbound" ? "From the customer" : "To the customer"} ·{" "}
                {channelLabel(message.channel)} · {message.status}
              </span>
              <time datetime={new Date(message.occurredAt).toISOString()} title={utcTime(message.occurredAt)}>
                {fromNow(message.occurredAt, now)}
              </time>
            </p>
            {message.subject ? <p class="message-subject">{message.subject}</p> : null}
            <p class="quote">{message.bodyPreview.replace(/\n{2,}/g, "\n").trim()}</p>
          </li>
        ))}
      </ol>
    )}
  </div>
);

const Contacts: FC<{ account: AccountOverview }> = ({ account }) => (
  <div class="card">
    <h4>Contacts</h4>
    {account.contacts.length === 0 ? (
      <p class="muted">None on file.</p>
    ) : (
      <ul>
        {account.contacts.map((contact) => (
          <li>
            {contact.name}
            {contact.isPrimary ? " (primary)" : ""} · {contact.email ?? "no email"} ·{" "}
            {contact.phone ?? "no phone"}
            {contact.preferredChannel ? ` · prefers ${channelLabel(contact.preferredChannel)}` : ""}
            {contact.emailOptedOutAt ? <span class="badge badge-flag">email opt-out</span> : null}
            {contact.smsOptedOutAt ? <span class="badge badge-flag">SMS opt-out</span> : null}
          </li>
        ))}
      </ul>
    )}
  </div>
);
