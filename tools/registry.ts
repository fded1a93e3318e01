// Every tool ARC has. The agents, the HTTP API and MCP all draw from this one list.
import type { Tool } from "./define.ts";
import { accountOverview } from "./read/account-overview.ts";
import { accountSnapshot } from "./read/account-snapshot.ts";
import { arMetricsTool } from "./read/ar-metrics.ts";
import { auditTrail } from "./read/audit-trail.ts";
import { cashForecastTool } from "./read/cash-forecast.ts";
import { invoiceDetail, listInvoices } from "./read/invoices.ts";
import { paymentHistory, unappliedPayments } from "./read/payments.ts";
import { pendingApprovals } from "./read/pending-approvals.ts";
import { portfolioSummary } from "./read/portfolio-summary.ts";
import { searchCustomers } from "./read/search-customers.ts";
import { worklist } from "./read/worklist.ts";
import { escalateToLegal, placeCreditHold } from "./write/account-actions.ts";
import { recordPlanStatus, recordPromiseStatus, triageDispute } from "./write/account-updates.ts";
import { applyPayment } from "./write/apply-payment.ts";
import { revokeContactChannel } from "./write/contact-consent.ts";
import { createTask } from "./write/create-task.ts";
import { issueCreditNote } from "./write/credit-note.ts";
import { openDispute, resolveDispute } from "./write/disputes.ts";
import { identifyPayments } from "./write/identify-payments.ts";
import { importBankFile } from "./write/import-bank-file.ts";
import { importLedger } from "./write/import-ledger.ts";
import { recordInboundMessage } from "./write/inbound-message.ts";
import { pauseOutreach } from "./write/outreach-pause.ts";
import { proposePaymentPlan } from "./write/payment-plan.ts";
import { recordCashForecast } from "./write/record-cash-forecast.ts";
import { recordForecast } from "./write/record-forecast.ts";
import { recordPromiseToPay } from "./write/record-promise.ts";
import { sendMessage } from "./write/send-message.ts";
import { trainPayDateModelTool } from "./write/train-pay-date-model.ts";
import { writeOff } from "./write/write-off.ts";

export const READ_TOOLS = [
  searchCustomers,
  accountOverview,
  accountSnapshot,
  listInvoices,
  invoiceDetail,
  paymentHistory,
  unappliedPayments,
  pendingApprovals,
  portfolioSummary,
  arMetricsTool,
  cashForecastTool,
  worklist,
  auditTrail,
] as const;

export const WRITE_TOOLS = [
  sendMessage,
  createTask,
  recordPromiseToPay,
  openDispute,
  resolveDispute,
  applyPayment,
  writeOff,
  importBankFile,
  identifyPayments,
  proposePaymentPlan,
  issueCreditNote,
  escalateToLegal,
  placeCreditHold,
  importLedger,
  recordPromiseStatus,
  recordPlanStatus,
  triageDispute,
  recordForecast,
  recordCashForecast,
  trainPayDateModelTool,
  recordInboundMessage,
  revokeContactChannel,
  pauseOutreach,
] as const;

export const ALL_TOOLS: readonly Tool[] = [...READ_TOOLS, ...WRITE_TOOLS] as unknown as Tool[];
