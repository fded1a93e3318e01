// The OpenAPI 3.1 document, built from the route declarations: their zod schemas become JSON Schema
// 2020-12 (OpenAPI 3.1's own dialect) through zod's z.toJSONSchema, so the document describes exactly
// what the handlers validate. Tool-backed routes document the tool's own input schema.
import { z } from "zod";
import { type Permission, type RouteSpec, rolesWith } from "./route.ts";

type JsonSchema = Record<string, unknown>;

export const errorSchema = z.object({
  error: z.object({
    code: z
      .string()
      .describe("stable, machine-readable: validation_failed, not_found, conflict, policy_denied, …"),
    message: z.string().describe("names the problem, and the field or rule where there is one"),
    details: z.unknown().optional().describe("issues [{location, path, message}], rule reasons, ids"),
    requestId: z.string().describe("the x-request-id of the request; the server log carries it too"),
  }),
});

const ERROR_WORDS: Record<number, string> = {
  400: "The body is not well-formed (malformed_json)",
  401: "No API key, an unknown one, or a revoked one",
  403: "The key's role may not do this",
  404: "No such resource",
  409: "Conflicts with the current state (already decided, expired, already revoked, run in progress…)",
  413: "The body is too large",
  415: "The body's content type is not accepted",
  422: "The request or its input is refused; the error names the field, path or policy rule",
};

function jsonSchema(schema: z.ZodType, io: "input" | "output" = "input"): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
  delete json.$schema;
  return json;
}

/** Hono's /a/:id to OpenAPI's /a/{id}. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

function parameters(route: RouteSpec): JsonSchema[] {
  const out: JsonSchema[] = [];
  for (const [location, schema] of [
    ["path", route.params],
    ["query", route.query],
  ] as const) {
    if (!schema) continue;
    const json = jsonSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      const { description, ...rest } = property as { description?: string; type?: string };
      out.push({
        name,
        in: location,
        required: location === "path" || (json.required ?? []).includes(name),
        schema: rest,
        ...(description ? { description } : {}),
        // Arrays in a query: ?customerIds=a&customerIds=b (commas also split).
        ...(rest.type === "array" ? { style: "form", explode: true } : {}),
      });
    }
  }
  return out;
}

function requestBody(route: RouteSpec): JsonSchema | undefined {
  if (!route.body) return undefined;
  const content: Record<string, { schema: JsonSchema }> = {};
  for (const type of route.bodyContentTypes ?? ["application/json"]) {
    const documented = route.bodyDocs?.[type];
    content[type] = { schema: documented ?? jsonSchema(route.body) };
  }
  return { required: !route.bodyOptional, content };
}

function errorStatuses(route: RouteSpec): number[] {
  const statuses = new Set<number>(route.errors ?? []);
  if (route.permission !== "public") statuses.add(401);
  if (route.permission !== "public" && rolesWith(route.permission).length < 3) statuses.add(403);
  if (route.params) statuses.add(404);
  if (route.query || route.body) statuses.add(422);
  if (route.body) statuses.add(400).add(415);
  return [...statuses].sort((a, b) => a - b);
}

function responses(route: RouteSpec): JsonSchema {
  const out: JsonSchema = {};
  for (const [status, doc] of Object.entries(route.responses)) {
    const type = doc.contentType ?? "application/json";
    const schema = doc.schema
      ? jsonSchema(doc.schema, "output")
      : type === "application/json"
        ? { type: "object" }
        : { type: "string" };
    out[status] = { description: doc.description, content: { [type]: { schema } } };
  }
  for (const status of errorStatuses(route)) {
    out[String(status)] = {
      description: ERROR_WORDS[status] ?? "Error",
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    };
  }
  return out;
}

export function roleWords(permission: Permission): string {
  return permission === "public" ? "no key needed" : `roles: ${rolesWith(permission).join(", ")}`;
}

export function buildOpenApiDocument(routes: readonly RouteSpec[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    const body = requestBody(route);
    const description = [
      route.description,
      `Access: ${roleWords(route.permission)}.`,
      route.tool ? `Tool: \`${route.tool}\`.` : "",
    ]
      .filter(Boolean)
      .join("\n\n");
    paths[path] ??= {};
    paths[path]![route.method] = {
      operationId: route.operationId,
      summary: route.summary,
      description,
      tags: [route.tag],
      security: route.permission === "public" ? [] : [{ apiKey: [] }],
      "x-arc-roles": route.permission === "public" ? [] : rolesWith(route.permission),
      ...(route.tool ? { "x-arc-tool": route.tool } : {}),
      parameters: parameters(route),
      ...(body ? { requestBody: body } : {}),
      responses: responses(route),
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "ARC API",
      version,
      description:
        "Accounts-receivable collections over a policy-checked tool runner. Every write is a tool call: validated, " +
        "judged by the policy engine, executed with an audit entry, or queued for approval. Money is integer minor " +
        "units (cents) with an ISO 4217 currency beside it, as JSON numbers (the ledger refuses amounts past 2^53). " +
        "Every response carries `x-request-id`; errors are `{ error: { code, message, details, requestId } }`.",
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
    },
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: { Error: jsonSchema(errorSchema, "output") },
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          description: "An ARC API key: `Authorization: Bearer arc_…` (created with `arc keys create`)",
        },
      },
    },
  };
}
