/**
 * openapi.json is a valid OpenAPI 3.1 document, is what the contract generates today (so an
 * edited path or status fails here until the document is regenerated), and states the publish
 * cross-field rules.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect, it } from 'vitest';
import { PublishRequestSchema } from '../src/schemas.js';

const document = JSON.parse(readFileSync(new URL('../openapi.json', import.meta.url), 'utf8'));

it('is a valid OpenAPI 3.1 document', async () => {
  const validator = new Validator();
  const result = await validator.validate(document);
  expect(result.errors ?? []).toEqual([]);
  expect(result.valid).toBe(true);
  expect(validator.version).toBe('3.1');
});

it('is what the contract generates (regenerate with `pnpm --filter @snapshotplot/api-client openapi`)', () => {
  const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
  const script = fileURLToPath(new URL('../scripts/generate-openapi.ts', import.meta.url));
  // --check exits non-zero, naming the fix, when the committed file differs from the output.
  const run = () => execFileSync(tsx, [script, '--check'], { encoding: 'utf8', stdio: 'pipe' });
  expect(run).not.toThrow();
});

it('agrees with zod on the publish cross-field rules', () => {
  const ajv = new Ajv2020({ strict: false, validateFormats: false });
  ajv.addSchema(document, 'openapi.json');
  const check = ajv.compile({ $ref: 'openapi.json#/components/schemas/PublishRequest' });
  const sha = 'a'.repeat(64);
  const bodies = [
    {},
    { artifacts: { plot: false } },
    { artifacts: { plot: false, code: false } },
    { artifacts: { plot: false, code: true } },
    { artifacts: { code: true } },
    { checksums: { plot: sha } },
    { checksums: { code: sha } },
    { artifacts: { code: true }, checksums: { code: sha } },
    { artifacts: { plot: false, code: true }, checksums: { plot: sha } },
    { commit_sha: null },
  ].map((b) => ({ project_id: 'proj_1', title: 'T', ...b }));
  for (const body of bodies) {
    expect(check(body), JSON.stringify(body)).toBe(PublishRequestSchema.safeParse(body).success);
  }
});
