/**
 * Writes openapi.json from the contract. `--check` fails when the committed file is stale.
 *
 * Schemas come from zod's own JSON Schema 2020-12 output (OpenAPI 3.1's dialect): requests in
 * their input form (defaults optional), responses in their output form. zod-to-openapi was
 * dropped because it rendered a nullable reference as `allOf: [$ref, {type: [string, null]}]`,
 * which no `null` can match, and let the first nullable use of a component make it nullable.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { contract, type Endpoint, HEADERS, IdempotencyKeySchema } from '../src/contract.js';
import {
  ArtifactKindSchema,
  ErrorBodySchema,
  IdSchema,
  SnapshotEventSchema,
} from '../src/schemas.js';

type Json = Record<string, unknown>;
type Io = 'input' | 'output';

const target = fileURLToPath(new URL('../openapi.json', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const REF = '#/components/schemas/';
const options = (io: Io) =>
  ({
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
    uri: (id: string) => `${REF}${id}`,
  }) as const;

/** Every named schema (`.meta({ id })`) in one io form, refs pointing at components. */
function components(io: Io): Record<string, Json> {
  const { schemas } = z.toJSONSchema(z.globalRegistry, options(io)) as {
    schemas: Record<string, Json>;
  };
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...rest }]) => [id, rest]),
  );
}

/** One schema inline; named sub-schemas become component refs. */
function inline(schema: z.ZodType, io: Io): Json {
  const { $schema: _s, $defs: _d, ...rest } = z.toJSONSchema(schema, options(io)) as Json;
  return JSON.parse(JSON.stringify(rest).replaceAll('"#/$defs/', `"${REF}`)) as Json;
}

/** Component ids a JSON value refers to, transitively through `all`. */
function refsOf(value: unknown, all: Record<string, Json>, seen = new Set<string>()): Set<string> {
  const text = JSON.stringify(value);
  for (const m of text.matchAll(/"#\/components\/schemas\/([A-Za-z0-9_]+)"/g)) {
    const id = m[1]!;
    if (!seen.has(id)) {
      seen.add(id);
      refsOf(all[id], all, seen);
    }
  }
  return seen;
}

const json = (schema: Json) => ({ 'application/json': { schema } });
const pathParam = (name: string) => (name === 'kind' ? ArtifactKindSchema : IdSchema);

/** The request body of the endpoints sharing one method and path. */
function requestBody(endpoints: Endpoint[]): Json | undefined {
  const content: Record<string, Json> = {};
  for (const e of endpoints) {
    if (e.fileParts && e.body) {
      const files = Object.keys(e.fileParts);
      content['multipart/form-data'] = {
        schema: {
          type: 'object',
          properties: {
            metadata: inline(e.body, 'input'),
            ...Object.fromEntries(
              files.map((f) => [
                f,
                { type: 'string', contentMediaType: 'application/octet-stream' },
              ]),
            ),
          },
          required: ['metadata'],
          description: `A \`metadata\` JSON part first, then the file parts (${files.join(', ')}); the artifacts are the file parts sent.`,
        },
        encoding: {
          metadata: { contentType: 'application/json' },
          ...Object.fromEntries(
            Object.entries(e.fileParts).map(([f, types]) => [f, { contentType: types.join(', ') }]),
          ),
        },
      };
    } else if (e.body) Object.assign(content, json(inline(e.body, 'input')));
    else for (const type of e.bodyContentTypes ?? []) content[type] = { schema: {} };
  }
  return Object.keys(content).length ? { required: true, content } : undefined;
}

function parameters(e: Endpoint): Json[] {
  const path = [...e.path.matchAll(/:([a-z_]+)/g)].map((m) => ({
    name: m[1]!,
    in: 'path',
    required: true,
    schema: inline(pathParam(m[1]!), 'input'),
  }));
  const query = e.query
    ? Object.entries((inline(e.query, 'input').properties ?? {}) as Record<string, Json>).map(
        ([name, { description, ...schema }]) => ({
          name,
          in: 'query',
          required: ((inline(e.query!, 'input').required ?? []) as string[]).includes(name),
          ...(description ? { description } : {}),
          schema,
        }),
      )
    : [];
  const headers =
    e.path === contract.publish.path
      ? [
          {
            name: HEADERS.idempotencyKey,
            in: 'header',
            required: false,
            schema: inline(IdempotencyKeySchema, 'input'),
          },
        ]
      : [];
  return [...path, ...query, ...headers];
}

function responses(endpoints: Endpoint[]): Json {
  const out: Record<string, Json> = {};
  for (const e of endpoints) {
    for (const [status, schema] of Object.entries(e.responses)) {
      const ok = Number(status) < 400;
      const type = ok ? (e.responseContentType ?? 'application/json') : 'application/json';
      const prior = (out[status]?.content as Record<string, { schema: Json }> | undefined)?.[type]
        ?.schema;
      let body = schema ? inline(schema, 'output') : undefined;
      if (prior && body && JSON.stringify(prior) !== JSON.stringify(body))
        body = { anyOf: [prior, body] };
      out[status] = {
        description: ok
          ? status === '304'
            ? 'Not modified (If-None-Match / If-Modified-Since).'
            : schema
              ? 'Success'
              : 'The artifact bytes, with their stored Content-Type.'
          : 'Error',
        ...(body ? { content: { [type]: { schema: body } } } : {}),
      };
    }
  }
  return out;
}

function buildDocument(): Json {
  const merged = new Map<string, Endpoint[]>();
  for (const endpoint of Object.values(contract) as Endpoint[]) {
    const key = `${endpoint.path} ${endpoint.method}`;
    merged.set(key, [...(merged.get(key) ?? []), endpoint]);
  }
  const paths: Record<string, Record<string, Json>> = {};
  for (const endpoints of merged.values()) {
    const [first] = endpoints as [Endpoint, ...Endpoint[]];
    const body = requestBody(endpoints);
    const path = first.path.replace(/:([a-z_]+)/g, '{$1}');
    paths[path] ??= {};
    paths[path][first.method.toLowerCase()] = {
      summary: endpoints.map((e) => e.summary).join(' / '),
      ...(first.auth === 'bearer' || first.auth === 'bearer-or-signature'
        ? { security: [{ bearer: [] }] }
        : {}),
      parameters: parameters(first),
      ...(body ? { requestBody: body } : {}),
      responses: responses(endpoints),
    };
  }
  const webhooks = {
    'snapshot-event': {
      post: {
        summary:
          'snapshot.ready / snapshot.deleted, signed as Standard Webhooks; the same payloads stream over SSE.',
        requestBody: { required: true, content: json(inline(SnapshotEventSchema, 'output')) },
        responses: { 200: { description: 'Any 2xx acknowledges the delivery.' } },
      },
    },
  };
  // Each component in the form its users see; one used by both sides must read the same.
  const input = components('input');
  const output = components('output');
  const requestSide = new Set<string>();
  const responseSide = refsOf([webhooks, inline(ErrorBodySchema, 'output')], output);
  for (const ops of Object.values(paths)) {
    for (const op of Object.values(ops)) {
      refsOf([op.parameters, op.requestBody], input, requestSide);
      refsOf(op.responses, output, responseSide);
    }
  }
  const schemas: Record<string, Json> = {};
  for (const id of [...new Set([...requestSide, ...responseSide])].sort()) {
    const a = input[id];
    const b = output[id];
    if (requestSide.has(id) && responseSide.has(id) && JSON.stringify(a) !== JSON.stringify(b))
      throw new Error(`component ${id} differs between requests and responses: give it two ids`);
    schemas[id] = (requestSide.has(id) ? a : b)!;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'snapshotplot API',
      version: pkg.version,
      description: 'Publish plot snapshots (a plot plus the code that made it) and read them back.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    webhooks,
    components: {
      schemas,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'A service token (`spt_…`) or a user JWT.',
        },
      },
    },
  };
}

const text = `${JSON.stringify(buildDocument(), null, 2)}\n`;
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(target, 'utf8');
  } catch {}
  if (committed !== text) {
    console.error(
      'packages/api-client/openapi.json is stale: run `pnpm --filter @snapshotplot/api-client openapi` and commit it.',
    );
    process.exit(1);
  }
  console.log('openapi.json is up to date');
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
