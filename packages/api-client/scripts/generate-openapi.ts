/**
 * Writes openapi.json from the contract. `--check` fails when the committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { contract, type Endpoint, HEADERS, IdempotencyKeySchema } from '../src/contract.js';
import { IdSchema, SnapshotEventSchema } from '../src/schemas.js';

const target = fileURLToPath(new URL('../openapi.json', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

function buildDocument(): unknown {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A service token (`spt_…`) or a user JWT.',
  });
  registry.registerWebhook({
    method: 'post',
    path: 'snapshot-event',
    summary:
      'snapshot.ready / snapshot.deleted, signed as Standard Webhooks; the same payloads stream over SSE.',
    request: { body: { content: { 'application/json': { schema: SnapshotEventSchema } } } },
    responses: { 200: { description: 'Any 2xx acknowledges the delivery.' } },
  });

  // Two contract entries share POST /api/snapshots/publish (JSON and multipart): merge them.
  const merged = new Map<string, Endpoint[]>();
  for (const endpoint of Object.values(contract) as Endpoint[]) {
    const key = `${endpoint.method} ${endpoint.path}`;
    merged.set(key, [...(merged.get(key) ?? []), endpoint]);
  }
  for (const endpoints of merged.values()) {
    const [first] = endpoints as [Endpoint, ...Endpoint[]];
    const openapiPath = first.path.replace(/:([a-z_]+)/g, '{$1}');
    const params = [...first.path.matchAll(/:([a-z_]+)/g)].map((m) => m[1]!);
    const pathSchema = params.length
      ? z.object(
          Object.fromEntries(
            params.map((p) => [p, p === 'kind' ? z.enum(['plot', 'code']) : IdSchema]),
          ),
        )
      : undefined;
    const content: Record<string, { schema: z.ZodType }> = {};
    for (const e of endpoints) {
      if (e.body) content[e.bodyContentType ?? 'application/json'] = { schema: e.body };
      else if (e.bodyContentType) content[e.bodyContentType] = { schema: z.string() };
    }
    const responses: Record<string, { description: string; content?: object }> = {};
    for (const e of endpoints) {
      for (const [status, schema] of Object.entries(e.responses)) {
        const prior = responses[status]?.content as Record<string, { schema: z.ZodType }>;
        const existing = prior?.['application/json']?.schema;
        const body =
          existing && schema && existing !== schema ? z.union([existing, schema]) : schema;
        const type =
          Number(status) < 400 ? (e.responseContentType ?? 'application/json') : 'application/json';
        responses[status] = {
          description: Number(status) < 400 ? 'Success' : 'Error',
          ...(body ? { content: { [type]: { schema: body } } } : {}),
        };
      }
    }
    registry.registerPath({
      method: first.method.toLowerCase() as 'get' | 'post' | 'put' | 'delete',
      path: openapiPath,
      summary: endpoints.map((e) => e.summary).join(' / '),
      ...(first.auth === 'bearer' || first.auth === 'bearer-or-signature'
        ? { security: [{ [bearer.name]: [] }] }
        : {}),
      request: {
        ...(pathSchema ? { params: pathSchema } : {}),
        ...(first.query ? { query: first.query as z.ZodObject } : {}),
        ...(first.path === contract.publish.path
          ? { headers: z.object({ [HEADERS.idempotencyKey]: IdempotencyKeySchema.optional() }) }
          : {}),
        ...(Object.keys(content).length ? { body: { content, required: true } } : {}),
      },
      responses,
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'snapshotplot API',
      version: pkg.version,
      description: 'Publish plot snapshots (a plot plus the code that made it) and read them back.',
    },
  });
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
