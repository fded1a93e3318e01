// The portfolio at a glance: headline counts, aging per currency, and the 13-week cash-in forecast.
import type { FC } from "hono/jsx";
import type { OverviewData } from "../data.ts";
import { money } from "../format.ts";
import type { WebSession } from "../session.ts";
import { AgingChart, AgingTable, ForecastChart } from "./charts.tsx";
import { Layout } from "./layout.tsx";

export const OverviewPage: FC<{ data: OverviewData; session: WebSession }> = ({ data, session }) => {
  const { summary, forecast } = data;
  return (
    <Layout title="Overview" session={session} active="overview">
      <div class="overview">
        <h1>Portfolio overview</h1>
        <p class="muted">As of {summary.asOf}.</p>
        <ul class="stats" aria-label="Headline figures">
          <li>
            <strong>{summary.customers.customers}</strong> customers
          </li>
          <li>
            <a href="/">
              <strong>{summary.pendingApprovals}</strong> waiting for approval
            </a>
          </li>
          <li>
            <strong>{summary.disputes.reduce((n, d) => n + d.count, 0)}</strong> live disputes
          </li>
          <li>
            <strong>{summary.unapplied.reduce((n, u) => n + u.payments, 0)}</strong> payments with unapplied
            cash
          </li>
        </ul>

        <section class="card" aria-labelledby="aging-heading">
          <h2 id="aging-heading">Aging</h2>
          {summary.aging.length === 0 ? (
            <p class="muted">Nothing is open.</p>
          ) : (
            <>
              <AgingChart aging={summary.aging} />
              <details>
                <summary>The figures</summary>
                <AgingTable aging={summary.aging} />
              </details>
            </>
          )}
        </section>

        <section class="card" aria-labelledby="forecast-heading">
          <h2 id="forecast-heading">13-week cash forecast</h2>
          <p class="muted">
            Cash expected in per ISO week from every open invoice's latest pay-date prediction (a Monte Carlo
            over each invoice's P10/P50/P90 pay dates).
            {forecast.unpredicted.invoices > 0
              ? ` ${forecast.unpredicted.invoices} open invoices have no prediction yet; the next run makes them.`
              : ""}
          </p>
          {forecast.forecast.currencies.length === 0 ? (
            <p class="muted">No forecast yet: a run records pay-date predictions.</p>
          ) : (
            forecast.forecast.currencies.map((currency) => (
              <div class="forecast-currency">
                <h3>
                  {currency.currency}: {money(currency.openMinor, currency.currency)} open in{" "}
                  {currency.openInvoices} {currency.openInvoices === 1 ? "invoice" : "invoices"},{" "}
                  {money(Math.round(currency.later.meanMinor), currency.currency)} expected after week 13
                </h3>
                <ForecastChart forecast={currency} id={`forecast-${currency.currency}`} />
                <details>
                  <summary>The figures</summary>
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Week</th>
                        <th scope="col">From</th>
                        <th scope="col" class="num">
                          P10
                        </th>
                        <th scope="col" class="num">
                          P50
                        </th>
                        <th scope="col" class="num">
                          P90
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {currency.weeks.map((week) => (
                        <tr>
                          <th scope="row">{week.label}</th>
                          <td>{week.start}</td>
                          <td class="num">{money(week.p10Minor, currency.currency)}</td>
                          <td class="num">{money(week.p50Minor, currency.currency)}</td>
                          <td class="num">{money(week.p90Minor, currency.currency)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </details>
              </div>
            ))
          )}
        </section>
      </div>
    </Layout>
  );
};
