// The policy: the document judging actions now, the versions uploaded, and (admins) a new version,
// validated by the same code as `arc policy check` so every error names its path. An accepted
// version judges this server's next calls at once (usePolicy) and other processes' when they start.
import { z } from "zod";
import { PolicyDocumentSchema, parsePolicyDocument, validatePolicyDocument } from "../../policies/index.ts";
import { callerLabel } from "../../tools/runner.ts";
import { usePolicy } from "../context.ts";
import { listPolicyVersions, storePolicyVersion } from "../policy-store.ts";
import type { ApiDeps } from "./deps.ts";
import { ApiError } from "./errors.ts";
import { defineRoute, type RouteSpec } from "./route.ts";

const YAML_TYPES = ["application/yaml", "application/x-yaml", "text/yaml"];

function invalidPolicy(errors: string[]): ApiError {
  return new ApiError(
    422,
    "invalid_policy",
    `the policy document is invalid: ${errors[0]}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ""}`,
    { errors },
  );
}

export function policyRoutes(deps: ApiDeps): RouteSpec[] {
  const policyJsonSchema = z.toJSONSchema(PolicyDocumentSchema, { io: "input", unrepresentable: "any" });
  delete (policyJsonSchema as { $schema?: string }).$schema;
  return [
    defineRoute({
      method: "get",
      path: "/api/policy",
      operationId: "getPolicy",
      summary: "The policy document judging actions now",
      description:
        "`source` says where it came from: `file` (ARC_POLICY_FILE pins it), `uploaded` (the newest version " +
        "uploaded here) or `default` (the built-in document).",
      tag: "policy",
      permission: "read",
      responses: { 200: { description: "Version, source and the whole document" } },
      handle: (c) =>
        c.json({
          version: deps.arc.policy.version,
          source: deps.arc.policySource ?? { kind: "given" },
          document: deps.arc.policy,
        }),
    }),
    defineRoute({
      method: "get",
      path: "/api/policy/versions",
      operationId: "listPolicyVersions",
      summary: "Policy versions uploaded, newest first",
      tag: "policy",
      permission: "read",
      responses: { 200: { description: "Versions with who uploaded them and the document's sha256" } },
      handle: async (c) => c.json({ versions: await listPolicyVersions(deps.arc.database.db) }),
    }),
    defineRoute({
      method: "put",
      path: "/api/policy",
      operationId: "uploadPolicy",
      summary: "Upload a new policy version",
      description:
        "A complete policy document as JSON or YAML (`arc policy show` prints the default to start from), with a " +
        "version of its own. It is validated before anything is stored (422 lists every error by its path); " +
        "`warnings` name settings looser than the consumer-protection floor. When ARC_POLICY_FILE pins this " +
        "server's policy, the version is stored and `active` is false until the pin is removed.",
      tag: "policy",
      permission: "admin",
      // Parsed here, validated in the handler by the policy engine's own validation (its messages).
      body: z.unknown(),
      bodyContentTypes: ["application/json", ...YAML_TYPES],
      readBody: (_c, raw) => {
        const parsed = parsePolicyDocument(new TextDecoder().decode(raw), "body");
        if (!parsed.ok) throw invalidPolicy(parsed.errors);
        return parsed.policy;
      },
      bodyDocs: {
        "application/json": policyJsonSchema,
        ...Object.fromEntries(
          YAML_TYPES.map((type) => [type, { type: "string", description: "the policy document as YAML" }]),
        ),
      },
      maxBodyBytes: 1024 * 1024,
      responses: { 201: { description: "The stored version, whether it is active, and warnings" } },
      errors: [400, 409, 415],
      handle: async (c, { body, caller }) => {
        const checked = validatePolicyDocument(body);
        if (!checked.ok) throw invalidPolicy(checked.errors);
        const stored = await storePolicyVersion(deps.arc.database.db, checked.policy, callerLabel(caller));
        const pinned = deps.arc.policySource?.kind === "file";
        if (!pinned) usePolicy(deps.arc, checked.policy, stored.source);
        deps.logger.info({ version: checked.policy.version, active: !pinned }, "policy uploaded");
        return c.json(
          {
            version: stored.version,
            active: !pinned,
            warnings: stored.warnings,
            ...(pinned ? { pinnedBy: deps.arc.policySource } : {}),
          },
          201,
        );
      },
    }),
  ];
}
