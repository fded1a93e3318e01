// Customers and invoices: search, one account's overview and payment history, invoice lists and detail.
import { accountOverview } from "../../tools/read/account-overview.ts";
import { invoiceDetail, listInvoices } from "../../tools/read/invoices.ts";
import { paymentHistory } from "../../tools/read/payments.ts";
import { searchCustomers } from "../../tools/read/search-customers.ts";
import { type ApiDeps, readTool, uuidParams } from "./deps.ts";
import { defineRoute, type RouteSpec } from "./route.ts";

export function customerRoutes(deps: ApiDeps): RouteSpec[] {
  return [
    defineRoute({
      method: "get",
      path: "/api/customers",
      operationId: "searchCustomers",
      summary: "Search customers",
      description:
        "By name or customer number, segment or flag, optionally only accounts with overdue balances. Each " +
        "account carries its open and overdue balance per currency, in minor units.",
      tag: "customers",
      permission: "read",
      tool: searchCustomers.name,
      query: searchCustomers.input,
      responses: { 200: { description: "Matching customers, by name" } },
      example: { query: { query: "acme", overdueOnly: "true" } },
      handle: async (c, { query, caller }) =>
        c.json(await readTool(deps, searchCustomers.name, query, caller)),
    }),
    defineRoute({
      method: "get",
      path: "/api/customers/:customerId",
      operationId: "getCustomerOverview",
      summary: "One account's overview",
      description:
        "Flags, contacts and consents, aging per currency, open invoices, live disputes, promises to pay, payment " +
        "plans, recent communications and the account's pending approvals.",
      tag: "customers",
      permission: "read",
      tool: accountOverview.name,
      params: uuidParams("customerId"),
      query: accountOverview.input.omit({ customerId: true }),
      responses: { 200: { description: "The account overview" } },
      handle: async (c, { params, query, caller }) =>
        c.json(
          await readTool(deps, accountOverview.name, { ...query, ...params }, caller, {
            location: "query",
            idField: "customerId",
          }),
        ),
    }),
    defineRoute({
      method: "get",
      path: "/api/customers/:customerId/payments",
      operationId: "getCustomerPayments",
      summary: "One account's payments and how late it pays",
      tag: "customers",
      permission: "read",
      tool: paymentHistory.name,
      params: uuidParams("customerId"),
      query: paymentHistory.input.omit({ customerId: true }),
      responses: { 200: { description: "Payments newest first, with the invoices each paid" } },
      handle: async (c, { params, query, caller }) =>
        c.json(
          await readTool(deps, paymentHistory.name, { ...query, ...params }, caller, {
            location: "query",
            idField: "customerId",
          }),
        ),
    }),
    defineRoute({
      method: "get",
      path: "/api/invoices",
      operationId: "listInvoices",
      summary: "List invoices by customer and status",
      tag: "invoices",
      permission: "read",
      tool: listInvoices.name,
      query: listInvoices.input,
      responses: { 200: { description: "Invoices, oldest due date first" } },
      example: { query: { status: "overdue", limit: "20" } },
      handle: async (c, { query, caller }) => c.json(await readTool(deps, listInvoices.name, query, caller)),
    }),
    defineRoute({
      method: "get",
      path: "/api/invoices/:invoiceId",
      operationId: "getInvoice",
      summary: "One invoice in full",
      tag: "invoices",
      permission: "read",
      tool: invoiceDetail.name,
      params: uuidParams("invoiceId"),
      query: invoiceDetail.input.omit({ invoiceId: true }),
      responses: {
        200: { description: "The invoice, what changed its balance, its disputes, promises and prediction" },
      },
      handle: async (c, { params, query, caller }) =>
        c.json(
          await readTool(deps, invoiceDetail.name, { ...query, ...params }, caller, {
            location: "query",
            idField: "invoiceId",
          }),
        ),
    }),
  ];
}
