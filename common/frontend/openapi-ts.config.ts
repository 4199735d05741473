import { defineConfig } from "@hey-api/openapi-ts";

// `npm run generate-client` reads the OpenAPI document of the backend running on :8000 (start
// it the README's way first) and rewrites src/client/. OPENAPI_URL names another document, a
// URL or a file: `npm run backend` serves on E2E_PORT (8765), so with it, OPENAPI_URL=
// http://127.0.0.1:8765/api/openapi.json.
const input = process.env.OPENAPI_URL ?? "http://127.0.0.1:8000/api/openapi.json";

// The operations and schemas of the HTTP contract: every backend (Django, FastAPI, the
// hybrid) names them the same way, so one client fits all three.
const OPERATIONS = new Set([
  "health",
  "auth_token",
  "users_me",
  "items_list",
  "items_create",
  "items_read",
  "items_update",
  "items_delete",
]);
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
// Prose and metadata that differ between the frameworks' documents but not the API.
const PROSE = new Set(["description", "summary", "title", "example", "examples", "tags"]);

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function entries(value: unknown): [string, unknown][] {
  return isObject(value) ? Object.entries(value) : [];
}

function byKey([a]: [string, unknown], [b]: [string, unknown]): number {
  return a.localeCompare(b);
}

/** Drop prose keys everywhere except as names of properties (an item has a `description`). */
function stripProse(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripProse);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !PROSE.has(key))
      .map(([key, child]) => [
        key,
        key === "properties"
          ? Object.fromEntries(entries(child).map(([name, schema]) => [name, stripProse(schema)]))
          : stripProse(child),
      ]),
  );
}

/**
 * The contract names an item's path `/api/items/{id}` and its ids are integers; a backend
 * may call the parameter otherwise (`{item_id}`) or accept any string to answer 404 itself.
 */
function canonicalPath(path: string): string {
  return path.replace(/\{[^}]+\}/g, "{id}");
}

function canonicalParameters(parameters: unknown): unknown {
  if (!Array.isArray(parameters)) return parameters;
  return parameters.map((parameter: unknown) =>
    isObject(parameter) && parameter.in === "path"
      ? { ...parameter, name: "id", required: true, schema: { type: "integer" } }
      : parameter,
  );
}

function canonicalOperation(operation: unknown): Json {
  return Object.fromEntries(
    entries(operation)
      .filter(([key]) => key !== "security")
      .map(([key, value]) => [key, key === "parameters" ? canonicalParameters(value) : value]),
  );
}

function isContractOperation([key, operation]: [string, unknown]): boolean {
  return (
    METHODS.includes(key) && isObject(operation) && OPERATIONS.has(String(operation.operationId))
  );
}

/**
 * The contract's operations and the schemas they use, in a stable order, without prose or
 * security schemes (src/api.ts adds the bearer token to every request itself).
 */
export function normalize(spec: Json): Json {
  const paths = entries(spec.paths)
    .sort(byKey)
    .map(([path, item]): [string, Json] => [
      canonicalPath(path),
      Object.fromEntries([
        ...entries(item)
          .filter(([key]) => key === "parameters")
          .map(([key, value]) => [key, canonicalParameters(value)]),
        ...entries(item)
          .filter(isContractOperation)
          .map(([method, operation]) => [method, canonicalOperation(operation)]),
      ]),
    ])
    .filter(([, item]) => Object.keys(item).some((key) => METHODS.includes(key)));
  const components = isObject(spec.components) ? spec.components : {};
  return {
    openapi: spec.openapi,
    info: { title: "API", version: "1" },
    // The app's own origin, whatever address the document was read from.
    servers: [{ url: "" }],
    paths: stripProse(Object.fromEntries(paths)),
    components: stripProse({
      ...Object.fromEntries(entries(components).filter(([key]) => key !== "securitySchemes")),
      schemas: Object.fromEntries(entries(components.schemas).sort(byKey)),
    }),
  };
}

export default defineConfig({
  input,
  output: { path: "src/client" },
  parser: {
    patch: {
      input: (spec) => {
        const document = spec as unknown as Json;
        const normal = normalize(document);
        for (const key of Object.keys(document)) Reflect.deleteProperty(document, key);
        Object.assign(document, normal);
      },
    },
  },
  plugins: [
    // Same origin: no base URL of its own (not the one the document was read from).
    { name: "@hey-api/client-fetch", baseUrl: "" },
    "@hey-api/typescript",
    "@hey-api/sdk",
  ],
});
