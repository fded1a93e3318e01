// API keys, for admins: list, create (the secret is in the answer, once), revoke. Each change is audited.
import { z } from "zod";
import { ROLES } from "../../db/schema.ts";
import { callerLabel } from "../../tools/runner.ts";
import { createApiKey, listApiKeys, revokeApiKey } from "../api-keys.ts";
import { type ApiDeps, uuidParams } from "./deps.ts";
import { defineRoute, type RouteSpec } from "./route.ts";

const keyInfo = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  role: z.enum(ROLES),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

export function keyRoutes(deps: ApiDeps): RouteSpec[] {
  const db = deps.arc.database.db;
  return [
    defineRoute({
      method: "get",
      path: "/api/keys",
      operationId: "listApiKeys",
      summary: "API keys (never their secrets)",
      tag: "keys",
      permission: "admin",
      responses: {
        200: {
          description: "Every key, revoked ones included",
          schema: z.object({ keys: z.array(keyInfo) }),
        },
      },
      handle: async (c) => c.json({ keys: await listApiKeys(db) }),
    }),
    defineRoute({
      method: "post",
      path: "/api/keys",
      operationId: "createApiKey",
      summary: "Create an API key",
      description:
        "The answer holds the key itself (`secret`); it is shown this once, only its hash is kept.",
      tag: "keys",
      permission: "admin",
      body: z.strictObject({ name: z.string().trim().min(1).max(100), role: z.enum(ROLES) }),
      responses: {
        201: {
          description: "The key and its secret",
          schema: z.object({ key: keyInfo, secret: z.string() }),
        },
      },
      example: { body: { name: "collections-team", role: "collector" } },
      handle: async (c, { body, caller }) => c.json(await createApiKey(db, body, callerLabel(caller)), 201),
    }),
    defineRoute({
      method: "post",
      path: "/api/keys/:keyId/revoke",
      operationId: "revokeApiKey",
      summary: "Revoke an API key",
      description:
        "From now on the key is refused (401). Revoking it again is a conflict naming when it was revoked.",
      tag: "keys",
      permission: "admin",
      params: uuidParams("keyId"),
      responses: { 200: { description: "The revoked key", schema: z.object({ key: keyInfo }) } },
      errors: [409],
      handle: async (c, { params, caller }) =>
        c.json({ key: await revokeApiKey(db, params.keyId, callerLabel(caller)) }),
    }),
  ];
}
