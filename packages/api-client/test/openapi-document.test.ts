/** openapi.json is a valid OpenAPI 3.1 document and states the publish cross-field rules. */
import { readFileSync } from 'node:fs';
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
