// The payer identification thread: collects the ledger's pages, then identifies the payments and
// answers once. Its heap, directory and all, goes when the thread ends.
import { parentPort } from "node:worker_threads";
import { createInterner } from "./cash-matching/index.ts";
import {
  type FromIdentificationThread,
  identifyInLedger,
  type LedgerPage,
  type ToIdentificationThread,
} from "./payer-identification.ts";

const port = parentPort!;
const pages: LedgerPage[] = [];
// Each page arrives as fresh copies: share one string per customer id, currency and date again.
const strings = createInterner();

port.on("message", (message: ToIdentificationThread) => {
  let answer: FromIdentificationThread;
  if (message.kind === "page") {
    for (const c of message.customers) c.id = strings(c.id);
    for (const i of message.invoices) {
      i.customerId = strings(i.customerId);
      i.currency = strings(i.currency);
      i.issueDate = strings(i.issueDate);
      i.dueDate = strings(i.dueDate);
    }
    for (const m of message.mappings) m.customerId = strings(m.customerId);
    pages.push(message);
    return;
  }
  try {
    answer = { kind: "identified", results: identifyInLedger(pages, message.payments, message.policy) };
  } catch (error) {
    answer = { kind: "failed", message: (error as Error).message };
  }
  port.postMessage(answer);
});
