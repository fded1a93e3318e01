// The payer identification thread: collects the ledger's pages, then identifies the payments and
// answers once. Its heap, directory and all, goes when the thread ends.
import { parentPort } from "node:worker_threads";
import { createInterner } from "./cash-matching/index.ts";
import {
  type FromIdentificationThread,
  identifyInLedger,
  type LedgerPage,
  shareStrings,
  type ToIdentificationThread,
} from "./payer-identification.ts";

const port = parentPort!;
const pages: LedgerPage[] = [];
// The whole ledger's pages are kept until the payments are identified.
const strings = createInterner();

port.on("message", (message: ToIdentificationThread) => {
  let answer: FromIdentificationThread;
  if (message.kind === "page") {
    shareStrings(message, strings);
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
