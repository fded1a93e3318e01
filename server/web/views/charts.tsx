// Charts as inline SVG rendered on the server: no chart library and no script. Each chart has a title
// and description for screen readers and a table of its exact figures beside it. Colours come from
// the stylesheet's classes (the page's Content-Security-Policy allows no inline styles).
import type { FC } from "hono/jsx";
import { AGING_BUCKETS, type AgingRow } from "../../../tools/aging.ts";
import type { CurrencyCashForecast } from "../../../tools/ar-metrics/index.ts";
import { compactMoney, money, percent } from "../format.ts";

const AGING_WIDTH = 720;
const AGING_LABEL = 150;
const AGING_ROW = 34;
const AGING_BAR = 22;

const bucketLabel = (bucket: string) => (bucket === "current" ? "current" : `${bucket} days`);

/** The aging figures per currency: the table beside the chart, and the account's aging. */
export const AgingTable: FC<{ aging: AgingRow[]; labelledBy?: string }> = ({ aging, labelledBy }) => (
  <table aria-labelledby={labelledBy}>
    <thead>
      <tr>
        <th scope="col">Currency</th>
        {AGING_BUCKETS.map((bucket) => (
          <th scope="col" class="num">
            {bucket === "current" ? "Current" : `${bucket} days`}
          </th>
        ))}
        <th scope="col" class="num">
          Total
        </th>
      </tr>
    </thead>
    <tbody>
      {aging.map((row) => (
        <tr>
          <th scope="row">{row.currency}</th>
          {AGING_BUCKETS.map((bucket) => (
            <td class="num">{money(row.buckets[bucket], row.currency)}</td>
          ))}
          <td class="num">{money(row.totalMinor, row.currency)}</td>
        </tr>
      ))}
    </tbody>
  </table>
);

/** One 100% stacked bar per currency: how each currency's open balance splits across the aging buckets. */
export const AgingChart: FC<{ aging: AgingRow[] }> = ({ aging }) => {
  const barWidth = AGING_WIDTH - AGING_LABEL - 10;
  const legendY = aging.length * AGING_ROW + 14;
  const height = legendY + 24;
  return (
    <svg
      class="chart aging-chart"
      viewBox={`0 0 ${AGING_WIDTH} ${height}`}
      role="img"
      aria-labelledby="aging-chart-title aging-chart-desc"
    >
      <title id="aging-chart-title">Open balance by aging bucket, per currency</title>
      <desc id="aging-chart-desc">
        {aging
          .map(
            (row) =>
              `${row.currency} ${money(row.totalMinor, row.currency)}: ` +
              AGING_BUCKETS.map((b) => `${bucketLabel(b)} ${money(row.buckets[b], row.currency)}`).join(", "),
          )
          .join(". ")}
      </desc>
      {aging.map((row, index) => {
        const y = index * AGING_ROW + 6;
        let x = AGING_LABEL;
        return (
          <g>
            <text x={0} y={y + AGING_BAR / 2 + 5} class="chart-label">
              {`${row.currency} ${compactMoney(row.totalMinor, row.currency)}`}
            </text>
            {AGING_BUCKETS.map((bucket, bucketIndex) => {
              const share = row.totalMinor > 0 ? row.buckets[bucket] / row.totalMinor : 0;
              const width = share * barWidth;
              const segment = (
                <g>
                  <rect x={x} y={y} width={width} height={AGING_BAR} class={`bucket-${bucketIndex}`}>
                    <title>{`${row.currency} ${bucketLabel(bucket)}: ${money(row.buckets[bucket], row.currency)} (${percent(share)})`}</title>
                  </rect>
                  {width > 44 ? (
                    <text
                      x={x + width / 2}
                      y={y + AGING_BAR / 2 + 4}
                      class="chart-segment-label"
                      text-anchor="middle"
                    >
                      {percent(share)}
                    </text>
                  ) : null}
                </g>
              );
              x += width;
              return segment;
            })}
          </g>
        );
      })}
      {AGING_BUCKETS.map((bucket, index) => (
        <g>
          <rect x={AGING_LABEL + index * 110} y={legendY} width={12} height={12} class={`bucket-${index}`} />
          <text x={AGING_LABEL + index * 110 + 18} y={legendY + 11} class="chart-label">
            {bucketLabel(bucket)}
          </text>
        </g>
      ))}
    </svg>
  );
};

const FORECAST_WIDTH = 720;
const FORECAST_HEIGHT = 276;
const MARGIN = { left: 78, right: 12, top: 12, bottom: 58 };
const Y_TICKS = 4;

/** The 13 weeks of one currency's cash-in forecast: the P10–P90 range as a bar, the median as a line. */
export const ForecastChart: FC<{ forecast: CurrencyCashForecast; id: string }> = ({ forecast, id }) => {
  const { currency, weeks } = forecast;
  const plotWidth = FORECAST_WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = FORECAST_HEIGHT - MARGIN.top - MARGIN.bottom;
  const top = Math.max(1, ...weeks.map((w) => w.p90Minor));
  const y = (minor: number) => MARGIN.top + plotHeight - (minor / top) * plotHeight;
  const slot = plotWidth / Math.max(1, weeks.length);
  const x = (index: number) => MARGIN.left + slot * index + slot / 2;
  const median = weeks.map((w, index) => `${x(index).toFixed(1)},${y(w.p50Minor).toFixed(1)}`).join(" ");
  return (
    <svg
      class="chart forecast-chart"
      viewBox={`0 0 ${FORECAST_WIDTH} ${FORECAST_HEIGHT}`}
      role="img"
      aria-labelledby={`${id}-title ${id}-desc`}
    >
      <title id={`${id}-title`}>{`${currency} cash expected in per week, next 13 weeks`}</title>
      <desc id={`${id}-desc`}>
        {weeks
          .map(
            (w) =>
              `${w.label}: median ${money(w.p50Minor, currency)}, 80% between ${money(w.p10Minor, currency)} and ${money(w.p90Minor, currency)}`,
          )
          .join("; ")}
      </desc>
      {Array.from({ length: Y_TICKS + 1 }, (_, tick) => {
        const value = (top * tick) / Y_TICKS;
        return (
          <g>
            <line
              x1={MARGIN.left}
              x2={FORECAST_WIDTH - MARGIN.right}
              y1={y(value)}
              y2={y(value)}
              class="grid"
            />
            <text x={MARGIN.left - 6} y={y(value) + 4} class="chart-label" text-anchor="end">
              {compactMoney(Math.round(value), currency)}
            </text>
          </g>
        );
      })}
      {weeks.map((week, index) => (
        <g>
          <rect
            x={x(index) - slot * 0.3}
            y={y(week.p90Minor)}
            width={slot * 0.6}
            height={Math.max(1, y(week.p10Minor) - y(week.p90Minor))}
            class="band"
          >
            <title>{`${week.label} (${week.start} to ${week.end}): P10 ${money(week.p10Minor, currency)}, P50 ${money(week.p50Minor, currency)}, P90 ${money(week.p90Minor, currency)}`}</title>
          </rect>
          <text
            x={x(index)}
            y={FORECAST_HEIGHT - MARGIN.bottom + 16}
            class="chart-label"
            text-anchor="middle"
          >
            {week.label.slice(week.label.indexOf("W"))}
          </text>
          <text
            x={x(index)}
            y={FORECAST_HEIGHT - MARGIN.bottom + 30}
            class="chart-label small"
            text-anchor="middle"
          >
            {week.start.slice(5)}
          </text>
        </g>
      ))}
      <polyline points={median} class="median" />
      {weeks.map((week, index) => (
        <circle cx={x(index)} cy={y(week.p50Minor)} r={3.5} class="median-point" />
      ))}
      <g>
        <rect x={MARGIN.left} y={FORECAST_HEIGHT - 10} width={12} height={8} class="band" />
        <text x={MARGIN.left + 16} y={FORECAST_HEIGHT - 2} class="chart-label small">
          P10–P90 (80% of outcomes)
        </text>
        <circle cx={MARGIN.left + 210} cy={FORECAST_HEIGHT - 6} r={3.5} class="median-point" />
        <text x={MARGIN.left + 218} y={FORECAST_HEIGHT - 2} class="chart-label small">
          median (P50)
        </text>
      </g>
    </svg>
  );
};
