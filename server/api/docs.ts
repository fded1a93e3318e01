// /docs: the API reference as one self-contained HTML page (no scripts, no external assets), from the
// route declarations and the OpenAPI document: each operation with who may call it, its parameters,
// its body schema and a curl example, then the shared schemas.
import { openApiPath, roleWords } from "./openapi.ts";
import type { RouteSpec } from "./route.ts";

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

type Operation = {
  parameters?: {
    name: string;
    in: string;
    required: boolean;
    schema: Record<string, unknown>;
    description?: string;
  }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string }>;
};

function curlExample(route: RouteSpec, baseUrl: string): string {
  let path = route.path;
  for (const [name, value] of Object.entries(route.example?.params ?? {}))
    path = path.replace(`:${name}`, value);
  path = path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => `$${name.toUpperCase()}`);
  const query = new URLSearchParams(route.example?.query ?? {}).toString();
  const url = `${baseUrl}${path}${query ? `?${query}` : ""}`;
  const parts = ["curl -sS"];
  if (route.method !== "get") parts.push(`-X ${route.method.toUpperCase()}`);
  if (route.permission !== "public") parts.push(`-H "Authorization: Bearer $ARC_API_KEY"`);
  if (route.body) {
    parts.push("-H 'content-type: application/json'");
    parts.push(`-d ${shellQuote(JSON.stringify(route.example?.body ?? {}))}`);
  }
  parts.push(`"${url}"`);
  return parts.join(" \\\n  ");
}

function operationHtml(route: RouteSpec, operation: Operation, baseUrl: string): string {
  const params = operation.parameters ?? [];
  const paramRows = params
    .map(
      (p) =>
        `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${p.in}</td><td>${p.required ? "yes" : ""}</td>` +
        `<td><code>${escapeHtml(JSON.stringify(p.schema))}</code></td><td>${escapeHtml(p.description ?? "")}</td></tr>`,
    )
    .join("");
  const body = operation.requestBody
    ? Object.entries(operation.requestBody.content)
        .map(
          ([type, { schema }]) =>
            `<details><summary>Body: ${escapeHtml(type)}</summary><pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre></details>`,
        )
        .join("")
    : "";
  const responses = Object.entries(operation.responses)
    .map(([status, r]) => `<li><strong>${status}</strong> ${escapeHtml(r.description)}</li>`)
    .join("");
  const id = route.operationId;
  return `<section id="${id}">
<h3><span class="method ${route.method}">${route.method.toUpperCase()}</span> <code>${escapeHtml(openApiPath(route.path))}</code></h3>
<p><strong>${escapeHtml(route.summary)}</strong>${route.description ? ` ${escapeHtml(route.description)}` : ""}</p>
<p class="meta">${escapeHtml(roleWords(route.permission))}${route.tool ? ` · tool <code>${escapeHtml(route.tool)}</code>` : ""} · operationId <code>${id}</code></p>
${params.length ? `<table><thead><tr><th>parameter</th><th>in</th><th>required</th><th>schema</th><th></th></tr></thead><tbody>${paramRows}</tbody></table>` : ""}
${body}
<ul class="responses">${responses}</ul>
<pre class="curl">${escapeHtml(curlExample(route, baseUrl))}</pre>
</section>`;
}

export function renderDocs(
  routes: readonly RouteSpec[],
  document: Record<string, unknown>,
  baseUrl: string,
): string {
  const paths = document.paths as Record<string, Record<string, Operation>>;
  const tags = [...new Set(routes.map((r) => r.tag))];
  const toc = tags
    .map(
      (tag) =>
        `<li>${escapeHtml(tag)}: ${routes
          .filter((r) => r.tag === tag)
          .map(
            (r) =>
              `<a href="#${r.operationId}">${r.method.toUpperCase()} ${escapeHtml(openApiPath(r.path))}</a>`,
          )
          .join(", ")}</li>`,
    )
    .join("");
  const sections = tags
    .map(
      (tag) =>
        `<h2>${escapeHtml(tag)}</h2>${routes
          .filter((r) => r.tag === tag)
          .map((r) => operationHtml(r, paths[openApiPath(r.path)]![r.method]!, baseUrl))
          .join("\n")}`,
    )
    .join("\n");
  const schemas = (document.components as { schemas: Record<string, unknown> }).schemas;
  const info = document.info as { title: string; version: string; description: string };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(info.title)} ${escapeHtml(info.version)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f4f5f7;padding:.75rem;overflow:auto}
section{border-top:1px solid #dde;padding:.5rem 0}.meta{color:#556}table{border-collapse:collapse}
td,th{border:1px solid #dde;padding:2px 6px;text-align:left;vertical-align:top}
.method{display:inline-block;min-width:3.5rem;color:#fff;border-radius:3px;padding:0 .3rem;text-align:center}
.get{background:#2d6cdf}.post{background:#1f8a4c}.put{background:#b76b00}
</style></head><body>
<h1>${escapeHtml(info.title)} <small>${escapeHtml(info.version)}</small></h1>
<p>${escapeHtml(info.description)}</p>
<p>Authenticate with <code>Authorization: Bearer $ARC_API_KEY</code>; an admin creates keys with
<code>arc keys create --role admin|collector|viewer</code>. The machine-readable document is
<a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<ul>${toc}</ul>
${sections}
<h2>Schemas</h2>
${Object.entries(schemas)
  .map(
    ([name, schema]) =>
      `<h3 id="schema-${name}">${escapeHtml(name)}</h3><pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre>`,
  )
  .join("\n")}
</body></html>`;
}
