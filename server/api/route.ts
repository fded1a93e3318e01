// One declaration per route: method, path, who may call it, the zod schemas of its path, query and
// body, and its handler. The same declaration registers the Hono handler (authenticate → authorise →
// validate → handle), writes the route's OpenAPI operation (openapi.ts) and drives the authorization
// matrix test, so what is documented, enforced and tested cannot drift apart.
import type { Context, Hono } from "hono";
import { z } from "zod";
import type { Role } from "../../db/schema.ts";
import type { Caller } from "../../policies/types.ts";
import { unstorableTextIssues } from "../../tools/errors.ts";
import { type ApiKeyInfo, authenticateApiKey } from "../api-keys.ts";
import type { Arc } from "../context.ts";
import { ApiError, type ApiIssue, notFound, validationFailed } from "./errors.ts";

export interface ApiVariables {
  requestId: string;
  /** The matched route's template (e.g. /api/customers/:customerId), for logs and metrics. */
  route: string;
  caller: Caller;
  apiKey: ApiKeyInfo;
}
export type ApiEnv = { Variables: ApiVariables };
export type ApiContext = Context<ApiEnv>;

/** What a route needs from the caller's role. */
export type Permission = "public" | "read" | "decide" | "run" | "import" | "admin";

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  viewer: ["read"],
  collector: ["read", "decide", "run", "import"],
  admin: ["read", "decide", "run", "import", "admin"],
};

const PERMISSION_WORDS: Record<Exclude<Permission, "public">, string> = {
  read: "read",
  decide: "decide on approvals",
  run: "start runs",
  import: "upload bank files or inbound replies",
  admin: "administer policy and API keys",
};

export function rolesWith(permission: Permission): Role[] {
  return (Object.keys(ROLE_PERMISSIONS) as Role[]).filter((role) =>
    ROLE_PERMISSIONS[role].includes(permission),
  );
}

type Schema = z.ZodType | undefined;
type Out<S extends Schema> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteInput<P extends Schema, Q extends Schema, B extends Schema> {
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
  /** Absent on public routes only. */
  caller: Caller;
}

export interface ResponseDoc {
  description: string;
  /** JSON body schema; absent means a JSON object described in words. */
  schema?: z.ZodType;
  /** Default application/json. */
  contentType?: string;
}

export interface RouteSpec<P extends Schema = Schema, Q extends Schema = Schema, B extends Schema = Schema> {
  method: "get" | "post" | "put";
  /** Hono syntax: /api/customers/:customerId */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  permission: Permission;
  /** The tool the route calls, named in the docs. */
  tool?: string;
  params?: P;
  query?: Q;
  body?: B;
  /** The body may be left out (treated as {}). */
  bodyOptional?: boolean;
  /** Content types the body may come in; default JSON only. Others need readBody. */
  bodyContentTypes?: string[];
  /** Turns a non-JSON body (YAML text, a multipart form) into the value `body` validates. */
  readBody?(c: ApiContext, raw: Uint8Array, contentType: string): Promise<unknown> | unknown;
  /** OpenAPI schemas of the non-JSON content types. */
  bodyDocs?: Record<string, Record<string, unknown>>;
  maxBodyBytes?: number;
  responses: Record<number, ResponseDoc>;
  /** Error statuses this route answers beyond the ones its declaration implies. */
  errors?: number[];
  /** For the docs page's curl example. */
  example?: { params?: Record<string, string>; query?: Record<string, string>; body?: unknown };
  handle(c: ApiContext, input: RouteInput<P, Q, B>): Promise<Response> | Response;
}

export function defineRoute<
  P extends Schema = undefined,
  Q extends Schema = undefined,
  B extends Schema = undefined,
>(spec: RouteSpec<P, Q, B>): RouteSpec {
  return spec as unknown as RouteSpec;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Registers every route on the app, each behind its authentication, authorisation and validation. */
export function registerRoutes(app: Hono<ApiEnv>, arc: Arc, routes: readonly RouteSpec[]): void {
  for (const route of routes) {
    const queryTypes = route.query ? queryParameterTypes(route.query) : undefined;
    app.on(route.method.toUpperCase(), route.path, async (c) => {
      c.set("route", route.path);
      if (route.permission !== "public") {
        const { caller, key } = await authenticate(c, arc);
        c.set("caller", caller);
        c.set("apiKey", key);
        if (!ROLE_PERMISSIONS[key.role].includes(route.permission)) {
          throw new ApiError(
            403,
            "forbidden",
            `role ${key.role} may not ${PERMISSION_WORDS[route.permission]}: ${route.method.toUpperCase()} ${route.path} needs ${rolesWith(route.permission).join(" or ")}`,
            { role: key.role, needs: rolesWith(route.permission) },
          );
        }
      }
      const params = route.params ? parsePathParams(route.params, c.req.param()) : undefined;
      const query = queryTypes ? parseQuery(route.query!, queryTypes, c) : undefined;
      if (!queryTypes && route.permission !== "public") refuseAnyQuery(c);
      const body = route.body ? await parseBody(route, c) : undefined;
      return route.handle(c, { params, query, body, caller: c.get("caller") });
    });
  }
}

async function authenticate(c: ApiContext, arc: Arc): Promise<{ caller: Caller; key: ApiKeyInfo }> {
  const header = c.req.header("authorization");
  if (!header) {
    throw new ApiError(
      401,
      "unauthenticated",
      "no API key: send one as `Authorization: Bearer <key>` (an admin creates keys with `arc keys create`)",
    );
  }
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!bearer) throw new ApiError(401, "invalid_api_key", "the Authorization header must be `Bearer <key>`");
  const check = await authenticateApiKey(arc.database.db, bearer[1]!);
  if (check.ok) return { caller: check.caller, key: check.key };
  if (check.reason === "revoked") throw new ApiError(401, "api_key_revoked", "this API key has been revoked");
  throw new ApiError(401, "invalid_api_key", "unknown API key");
}

/** A path parameter that fails its schema names nothing that exists: 404, naming the parameter. */
function parsePathParams(schema: z.ZodType, raw: Record<string, string>): unknown {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const name = String(issue.path[0] ?? "id");
  throw notFound(`no such resource: ${name} "${raw[name] ?? ""}" (${issue.message})`);
}

type QueryType = "integer" | "number" | "boolean" | "array" | "string";

/** The JSON type of each query parameter, from the schema: query strings are converted to it. */
function queryParameterTypes(schema: z.ZodType): Map<string, QueryType> {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as {
    properties?: Record<string, { type?: string }>;
  };
  const types = new Map<string, QueryType>();
  for (const [name, property] of Object.entries(json.properties ?? {})) {
    const type = property.type;
    types.set(
      name,
      type === "integer" || type === "number" || type === "boolean" || type === "array" ? type : "string",
    );
  }
  return types;
}

function parseQuery(schema: z.ZodType, types: Map<string, QueryType>, c: ApiContext): unknown {
  const url = new URL(c.req.url);
  const issues: ApiIssue[] = [];
  const value: Record<string, unknown> = {};
  for (const name of new Set(url.searchParams.keys())) {
    const type = types.get(name);
    const all = url.searchParams.getAll(name);
    if (!type) {
      issues.push({
        location: "query",
        path: queryName(name),
        message: `unknown query parameter; known: ${[...types.keys()].join(", ") || "none"}`,
      });
      continue;
    }
    if (type === "array") {
      value[name] = all.flatMap((v) => v.split(",")).filter((v) => v !== "");
      continue;
    }
    if (all.length > 1) {
      issues.push({ location: "query", path: name, message: "given more than once" });
      continue;
    }
    value[name] = convertQueryValue(all[0]!, type);
  }
  issues.push(...unstorableTextIssues(value).map((issue) => ({ location: "query" as const, ...issue })));
  if (issues.length) throw validationFailed(issues);
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationFailed(zodIssues(parsed.error, "query"));
  return parsed.data;
}

/** A route without query parameters names any it is given, as it names unknown body fields. */
function refuseAnyQuery(c: ApiContext): void {
  const names = [...new Set(new URL(c.req.url).searchParams.keys())];
  if (names.length === 0) return;
  throw validationFailed(
    names.map((name) => ({
      location: "query",
      path: queryName(name),
      message: "unknown query parameter; this route takes none",
    })),
  );
}

/** A parameter as an issue names it: one with no name at all (`?=x`) must still be named. */
function queryName(name: string): string {
  return name === "" ? "(unnamed)" : name;
}

/** A query string in its schema's type; a value that does not convert is left for zod to name. */
function convertQueryValue(text: string, type: QueryType): unknown {
  if ((type === "integer" || type === "number") && /^-?\d+(\.\d+)?$/.test(text.trim())) return Number(text);
  if (type === "boolean" && (text === "true" || text === "false")) return text === "true";
  return text;
}

async function parseBody(route: RouteSpec, c: ApiContext): Promise<unknown> {
  const limit = route.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > limit) throw payloadTooLarge(limit);
  const raw = new Uint8Array(await c.req.arrayBuffer());
  if (raw.byteLength > limit) throw payloadTooLarge(limit);
  const contentType = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  let value: unknown;
  if (raw.byteLength === 0) {
    if (!route.bodyOptional)
      throw validationFailed([{ location: "body", path: "(input)", message: "a request body is required" }]);
    value = {};
  } else if (contentType === "application/json" || contentType.endsWith("+json")) {
    try {
      value = JSON.parse(new TextDecoder().decode(raw));
    } catch (error) {
      throw new ApiError(400, "malformed_json", `the body is not valid JSON: ${(error as Error).message}`);
    }
  } else if (route.readBody && route.bodyContentTypes?.includes(contentType)) {
    value = await route.readBody(c, raw, contentType);
  } else {
    const accepted = route.bodyContentTypes ?? ["application/json"];
    throw new ApiError(
      415,
      "unsupported_media_type",
      `content-type ${contentType || "(none)"} is not accepted here; send ${accepted.join(" or ")}`,
    );
  }
  // No route can store U+0000 or an unpaired surrogate (PostgreSQL refuses them): named here, not a 500 later.
  const unstorable = unstorableTextIssues(value);
  if (unstorable.length > 0)
    throw validationFailed(unstorable.map((issue) => ({ location: "body", ...issue })));
  const parsed = route.body!.safeParse(value);
  if (!parsed.success) throw validationFailed(zodIssues(parsed.error, "body"));
  return parsed.data;
}

function payloadTooLarge(limit: number): ApiError {
  return new ApiError(413, "payload_too_large", `the body is larger than ${limit} bytes`);
}

/** zod issues with their field paths; an unknown field is named by its own path. */
export function zodIssues(error: z.ZodError, location: ApiIssue["location"]): ApiIssue[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        location,
        path: [...issue.path, key].join("."),
        message: "unknown field (check the spelling; unknown fields are refused)",
      }));
    }
    return [{ location, path: issue.path.length ? issue.path.join(".") : "(input)", message: issue.message }];
  });
}
