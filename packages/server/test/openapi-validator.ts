/**
 * Checks every response the server suite sees against openapi.json, so the document cannot
 * drift from the server: the status must be declared for the operation (path template +
 * method) and a JSON body must match the declared schema. ajv's 2020-12 build because
 * OpenAPI 3.1 schemas are JSON Schema 2020-12 (openapi-response-validator speaks 3.0 only).
 * Gallery pages and other paths the document does not describe are not checked.
 */
import { createRequire } from 'node:module';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

type Json = Record<string, unknown>;
interface Operation {
  responses: Record<string, { content?: Record<string, { schema: Json }> }>;
}

const document = createRequire(import.meta.url)('@snapshotplot/api-client/openapi.json') as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json> };
};

// ajv-formats is CommonJS with a default export; under ESM the function may sit on .default.
const addFormats = ((addFormatsModule as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => void;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(document as unknown as Json, 'openapi.json');

const compiled = new Map<string, ValidateFunction>();
const pointer = (...parts: string[]) =>
  parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/** The schema at a JSON pointer into the document, compiled once. */
function validatorAt(ref: string): ValidateFunction {
  let v = compiled.get(ref);
  if (!v) {
    v = ajv.compile({ $ref: `openapi.json#/${ref}` });
    compiled.set(ref, v);
  }
  return v;
}

const templates = Object.keys(document.paths).map((template) => ({
  template,
  params: (template.match(/\{/g) ?? []).length,
  pattern: new RegExp(`^${template.replace(/\{[a-z_]+\}/g, '[^/]+')}$`),
}));

/** Validates a value against a component (`SnapshotEvent`, …); throws on a mismatch. */
export function assertComponent(name: string, value: unknown, where = name): void {
  const v = validatorAt(pointer('components', 'schemas', name));
  if (!v(value))
    throw new Error(
      `openapi.json: ${where} does not match components.schemas.${name}: ${ajv.errorsText(v.errors)}\n${JSON.stringify(value).slice(0, 500)}`,
    );
}

/** Throws when a response disagrees with openapi.json; a no-op for undocumented paths. */
export async function assertDocumented(method: string, url: string, res: Response): Promise<void> {
  const path = new URL(url).pathname;
  const matches = templates.filter((t) => t.pattern.test(path));
  if (!matches.length) return;
  const m = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
  // A literal segment beats a parameter: POST /api/snapshots/publish, not /{id}.
  const found = matches
    .filter((t) => document.paths[t.template]![m])
    .sort((a, b) => a.params - b.params)[0];
  const where = `${method.toUpperCase()} ${found?.template ?? path} -> ${res.status}`;
  const fail = (why: string) => {
    throw new Error(`openapi.json does not describe ${where}: ${why}`);
  };
  if (!found) {
    // A known path asked with an undeclared method: RFC 9110's 405 with Allow.
    if (res.status !== 405 || !res.headers.get('allow')) fail('expected 405 with an Allow header');
    assertComponent('ErrorBody', await res.clone().json(), where);
    return;
  }
  const op = document.paths[found.template]![m]!;
  const declared = op.responses[String(res.status)];
  if (!declared)
    return fail(`status not declared (declared: ${Object.keys(op.responses).join(', ')})`);
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
  if (!declared.content || method.toUpperCase() === 'HEAD') return;
  if (!declared.content[type])
    return fail(`content type ${type || '(none)'} not declared (${Object.keys(declared.content)})`);
  // Only JSON bodies are read here: an SSE stream never ends, and bytes are not JSON.
  if (type !== 'application/json') return;
  const text = await res.clone().text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fail(`body is not JSON: ${text.slice(0, 200)}`);
  }
  const v = validatorAt(
    pointer('paths', found.template, m, 'responses', String(res.status), 'content', type, 'schema'),
  );
  if (!v(body)) fail(`${ajv.errorsText(v.errors)}\n${text.slice(0, 500)}`);
}
