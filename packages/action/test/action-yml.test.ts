import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseInputs } from '../src/inputs.js';
import { parseReviewInputs } from '../src/review.js';

const root = new URL('../../../', import.meta.url);
const yml = readFileSync(new URL('action.yml', root), 'utf8');

/** Names of the two-space-indented keys of a top-level section (`inputs:`, `outputs:`). */
function keys(section: string): string[] {
  const body = yml.split(new RegExp(`^${section}:\\n`, 'm'))[1]!.split(/^\S/m)[0]!;
  return [...body.matchAll(/^ {2}([a-z-]+):$/gm)].map((m) => m[1]!);
}

describe('action.yml', () => {
  it('declares the inputs of DESIGN.md plus directory, dry-run and OIDC, each with a description and default', () => {
    expect(keys('inputs').sort()).toEqual(
      [
        'api-url',
        'token',
        'project-id',
        'collection',
        'title',
        'plot',
        'code',
        'author',
        'description',
        'tags',
        'directory',
        'fail-on-error',
        'summary',
        'dry-run',
        'use-oidc',
        'oidc-audience',
        'compare',
        'github-token',
        'comment',
        'status',
        'fail-on-change',
        'base-ref',
      ].sort(),
    );
    const blocks = yml.split(/^ {2}(?=[a-z-]+:$)/m).slice(1, 23);
    for (const b of blocks) {
      expect(b, b).toMatch(/\n {4}description: \S/);
      expect(b, b).toMatch(/\n {4}default: /);
    }
  });

  it('declares the outputs run() sets', () => {
    expect(keys('outputs').sort()).toEqual(
      [
        'snapshot-id',
        'snapshot-url',
        'plot-url',
        'code-url',
        'snapshot-ids',
        'snapshot-urls',
        'changed',
        'new',
        'unchanged',
        'comparison-status',
        'review-url',
      ].sort(),
    );
  });

  it('boolean defaults in action.yml agree with the ones run() assumes when an input is unset', () => {
    const def = (name: string) =>
      yml.match(new RegExp(`\\n {2}${name}:\\n(?: {4}.*\\n)*? {4}default: ["'](\\w+)["']`))![1];
    const parsed = parseInputs({});
    expect(String(parsed.failOnError)).toBe(def('fail-on-error'));
    expect(String(parsed.summary)).toBe(def('summary'));
    expect(String(parsed.dryRun)).toBe(def('dry-run'));
    const review = parseReviewInputs({});
    expect(String(review.compare)).toBe(def('compare'));
    expect(String(review.comment)).toBe(def('comment'));
    expect(String(review.status)).toBe(def('status'));
    expect(String(review.failOnChange)).toBe(def('fail-on-change'));
    expect(yml).toMatch(
      /\n {2}github-token:\n(?: {4}.*\n)*? {4}default: \$\{\{ github\.token \}\}\n/,
    );
  });

  it("runs the committed bundle on node24, the Node of GitHub's runners", () => {
    expect(yml).toMatch(/^runs:\n {2}using: node24\n {2}main: packages\/action\/dist\/index\.js$/m);
    expect(existsSync(fileURLToPath(new URL('packages/action/dist/index.js', root)))).toBe(true);
  });
});
