// The OpenAPI document: valid OpenAPI 3.1 (checked by an independent validator), one operation per
// route with the tool's own input as its parameters, and the /docs page listing every operation.
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { openApiPath } from "../../../server/api/openapi.ts";
import { searchCustomers } from "../../../tools/read/search-customers.ts";
import { useApi } from "./harness.ts";

const t = useApi();

type Operation = {
  operationId: string;
  security: unknown[];
  parameters: { name: string; in: string; required: boolean }[];
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, unknown>;
  "x-arc-roles": string[];
};

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1 and is what /openapi.json serves, without a key", async () => {
    const served = await t.json<Record<string, unknown>>(
      await t.request("GET", "/openapi.json", { as: "none" }),
      200,
    );
    expect(served).toEqual(t.api.document);
    expect(served.openapi).toBe("3.1.0");
    const result = await new Validator().validate(served);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("has one operation per route, each with its roles, errors and security", () => {
    const paths = t.api.document.paths as Record<string, Record<string, Operation>>;
    const operations = Object.values(paths).flatMap((p) => Object.values(p));
    expect(operations).toHaveLength(t.api.routes.length);
    expect(new Set(operations.map((o) => o.operationId)).size).toBe(operations.length);
    for (const route of t.api.routes) {
      const operation = paths[openApiPath(route.path)]?.[route.method];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      const isPublic = route.permission === "public";
      expect(operation!.security).toEqual(isPublic ? [] : [{ apiKey: [] }]);
      if (!isPublic) expect(operation!.responses).toHaveProperty("401");
      if (route.params) {
        expect(operation!.parameters.filter((p) => p.in === "path").every((p) => p.required)).toBe(true);
        expect(operation!.responses).toHaveProperty("404");
      }
      if (route.body) expect(operation!.requestBody).toBeDefined();
    }
    const approve = paths["/api/approvals/{actionId}/approve"]!.post!;
    expect(approve["x-arc-roles"]).toEqual(["collector", "admin"]);
    expect(approve.responses).toHaveProperty("403");
    expect(approve.responses).toHaveProperty("409");
  });

  it("documents a tool-backed route's query with the tool's own input schema", () => {
    const paths = t.api.document.paths as Record<string, Record<string, Operation>>;
    const search = paths["/api/customers"]!.get!;
    expect(search.parameters.map((p) => p.name).sort()).toEqual(
      Object.keys(searchCustomers.input.shape).sort(),
    );
    const upload = paths["/api/payments/bank-files"]!.post!;
    expect(Object.keys(upload.requestBody!.content)).toEqual(["application/json", "multipart/form-data"]);
    const policy = paths["/api/policy"]!.put!;
    expect(Object.keys(policy.requestBody!.content)).toContain("application/yaml");
  });
});

describe("/docs", () => {
  it("is a self-contained page listing every operation with a curl example", async () => {
    const response = await t.request("GET", "/docs", { as: "none" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    const html = await response.text();
    for (const route of t.api.routes) expect(html).toContain(`id="${route.operationId}"`);
    const text = html.replaceAll("&quot;", '"').replaceAll("&#39;", "'").replaceAll("&amp;", "&");
    expect(text).toContain(
      'curl -sS \\\n  -H "Authorization: Bearer $ARC_API_KEY" \\\n  "http://localhost/api/approvals?order=priority&limit=20"',
    );
    expect(html).not.toMatch(/<script|<link[^>]+stylesheet|https?:\/\/(?!localhost)[^"\s<]*\.(js|css)/);
  });
});
