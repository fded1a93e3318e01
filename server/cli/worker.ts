// `arc worker`: work queued accounts of any run, alongside the process that started it and any other
// workers sharing the database, until stopped (SIGTERM / SIGINT: the accounts in hand finish, the
// rest stay queued for the others).
import type { Command } from "commander";
import { openArc } from "../context.ts";
import { openRunQueue } from "../run-queue.ts";
import { AccountWorker, workQueue } from "../run-worker.ts";
import { positiveInteger } from "./demo.ts";
import { abortOnStop } from "./signals.ts";

export function registerWorkerCommand(program: Command): void {
  program
    .command("worker")
    .description(
      "Work queued accounts of any run (with `arc run` and other workers on the same database) until stopped",
    )
    .option("--concurrency <n>", "accounts worked at once", "4")
    .option("--exit-when-idle", "stop once the queue is empty and no run is left unfinished")
    .action(async (options: { concurrency: string; exitWhenIdle?: boolean }) => {
      const concurrency = positiveInteger(options.concurrency, "--concurrency");
      const arc = await openArc();
      const stop = abortOnStop();
      const queue = await openRunQueue(arc);
      const worker = new AccountWorker(arc, arc.brain);
      const worked = new Map<string, number>();
      console.error(`Worker ${worker.id}: working the account queue, ${concurrency} at once.`);
      try {
        await workQueue(arc, queue, worker, {
          concurrency,
          signal: stop.signal,
          ...(options.exitWhenIdle ? { exitWhenIdle: true } : {}),
          onAccount: (runId, account) => {
            worked.set(runId, (worked.get(runId) ?? 0) + 1);
            if (account.status === "failed")
              console.error(`run ${runId}: ${account.customerRef} failed: ${account.error}`);
          },
          onRunFinished: (runId) => console.error(`run ${runId}: completed.`),
        });
      } finally {
        await worker.close();
        await queue.stop();
        await arc.close();
        stop.dispose();
      }
      const summary = [...worked].map(([runId, n]) => `${n} accounts of run ${runId}`).join(", ");
      console.error(`Worker ${worker.id} stopped${summary ? ` after ${summary}` : ""}.`);
    });
}
