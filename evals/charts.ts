// Charts for the eval report, as SVG files beside it: Vega-Lite specs rendered headless by Vega
// (no browser, no canvas — text widths are estimated, which is fine for labels this short).
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

export async function renderChart(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const BASE = {
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  background: "white",
  config: { font: "sans-serif", axis: { labelFontSize: 11, titleFontSize: 12 }, view: { stroke: null } },
} as const;

/** Horizontal bars of shares (0–1) with a dashed target line. */
export function barsWithTarget(
  title: string,
  rows: { label: string; value: number; n?: number }[],
  target: number,
): TopLevelSpec {
  return {
    ...BASE,
    title,
    width: 420,
    height: { step: 26 },
    data: {
      values: rows.map((r) => ({ ...r, text: `${(r.value * 100).toFixed(1)}%${r.n ? ` (n=${r.n})` : ""}` })),
    },
    layer: [
      {
        mark: { type: "bar", color: "#4c78a8" },
        encoding: {
          y: { field: "label", type: "nominal", sort: null, title: null },
          x: {
            field: "value",
            type: "quantitative",
            scale: { domain: [0, 1] },
            axis: { format: "%" },
            title: null,
          },
        },
      },
      {
        mark: { type: "text", align: "left", dx: 4, fontSize: 11 },
        encoding: {
          y: { field: "label", type: "nominal", sort: null },
          x: { field: "value", type: "quantitative" },
          text: { field: "text" },
        },
      },
      {
        data: { values: [{ target }] },
        mark: { type: "rule", color: "#e45756", strokeDash: [4, 3] },
        encoding: { x: { field: "target", type: "quantitative" } },
      },
    ],
  } as TopLevelSpec;
}

/** Grouped horizontal bars: one bar per series within each label. */
export function groupedBars(
  title: string,
  rows: { label: string; series: string; value: number }[],
  axisTitle: string,
): TopLevelSpec {
  return {
    ...BASE,
    title,
    width: 420,
    data: { values: rows },
    mark: "bar",
    encoding: {
      y: { field: "label", type: "nominal", sort: null, title: null },
      yOffset: { field: "series", type: "nominal" },
      x: { field: "value", type: "quantitative", scale: { domain: [0, 1] }, title: axisTitle },
      color: { field: "series", type: "nominal", title: null, legend: { orient: "bottom", labelLimit: 400 } },
    },
  } as TopLevelSpec;
}

/** Lines over days, one per series. */
export function linesOverDays(
  title: string,
  rows: { day: number; series: string; value: number }[],
  valueTitle: string,
): TopLevelSpec {
  return {
    ...BASE,
    title,
    width: 460,
    height: 220,
    data: { values: rows },
    mark: { type: "line", strokeWidth: 2 },
    encoding: {
      x: { field: "day", type: "quantitative", title: "day" },
      y: { field: "value", type: "quantitative", title: valueTitle },
      color: { field: "series", type: "nominal", title: null, legend: { orient: "bottom", labelLimit: 400 } },
    },
  } as TopLevelSpec;
}
