// Runs the portfolio simulation from the command line and prints its markdown section and the time it
// took, e.g.
//   npx tsx evals/simulation/cli.ts --seeds 1,2,3,4,5 --customers 400
//   npx tsx evals/simulation/cli.ts --seeds 1,2,3 --customers 120 --json reports/simulation.json
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { renderSimulation, runSimulation } from "./run.ts";

const { values } = parseArgs({
  options: {
    seeds: { type: "string", default: "1,2,3,4,5" },
    customers: { type: "string", default: "400" },
    days: { type: "string" },
    start: { type: "string" },
    json: { type: "string" },
  },
});

const started = performance.now();
const report = await runSimulation({
  seeds: values.seeds.split(",").map((s) => Number(s.trim())),
  customers: Number(values.customers),
  ...(values.days ? { days: Number(values.days) } : {}),
  ...(values.start ? { startDate: values.start } : {}),
});
const seconds = (performance.now() - started) / 1000;
console.log(renderSimulation(report));
console.log(`simulated in ${seconds.toFixed(1)} s`);
if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
