import { describe, expect, it } from 'vitest';
import {
  getBooleanInput,
  getInput,
  InputValueError,
  parseInputs,
  parseTags,
} from '../src/inputs.js';

describe('inputs', () => {
  it('reads INPUT_ variables the way the runner names them (hyphens kept, upper-cased, trimmed)', () => {
    const env = { 'INPUT_API-URL': '  https://plots.example.com \n', 'INPUT_PROJECT-ID': 'proj_1' };
    expect(getInput(env, 'api-url')).toBe('https://plots.example.com');
    expect(parseInputs(env)).toMatchObject({
      apiUrl: 'https://plots.example.com',
      projectId: 'proj_1',
    });
  });

  it('splits tags on commas and newlines, dropping blanks and duplicates', () => {
    expect(parseTags('ml, demo\nnightly\n\n,ml ,')).toEqual(['ml', 'demo', 'nightly']);
    expect(parseTags('a\r\nb')).toEqual(['a', 'b']);
    expect(parseTags('')).toEqual([]);
    expect(parseInputs({ INPUT_TAGS: 'x,y' }).tags).toEqual(['x', 'y']);
  });

  it('accepts the YAML 1.2 booleans getBooleanInput accepts and defaults when unset', () => {
    for (const v of ['true', 'True', 'TRUE'])
      expect(getBooleanInput({ INPUT_SUMMARY: v }, 'summary', false)).toBe(true);
    for (const v of ['false', 'False', 'FALSE'])
      expect(getBooleanInput({ INPUT_SUMMARY: v }, 'summary', true)).toBe(false);
    expect(getBooleanInput({}, 'summary', true)).toBe(true);
    expect(getBooleanInput({}, 'dry-run', false)).toBe(false);
    const p = parseInputs({});
    expect([p.failOnError, p.summary, p.dryRun]).toEqual([true, true, false]);
  });

  it('rejects other boolean spellings with a message naming the input and the fix', () => {
    expect(() => getBooleanInput({ 'INPUT_FAIL-ON-ERROR': 'yes' }, 'fail-on-error', true)).toThrow(
      new InputValueError(
        'fail-on-error',
        'Input "fail-on-error" is "yes", which is not a boolean: use true or false.',
      ),
    );
  });

  it('falls back to the SNAPSHOTPLOT_* variables, inputs winning', () => {
    const env = {
      SNAPSHOTPLOT_API_URL: 'https://env.example.com',
      SNAPSHOTPLOT_TOKEN: 'spt_env',
      SNAPSHOTPLOT_PROJECT: 'proj_env',
      INPUT_TOKEN: 'spt_input',
    };
    expect(parseInputs(env)).toMatchObject({
      apiUrl: 'https://env.example.com',
      token: 'spt_input',
      projectId: 'proj_env',
    });
  });

  it('treats empty optional inputs (the action.yml defaults) as absent', () => {
    const p = parseInputs({ INPUT_COLLECTION: '', INPUT_TITLE: ' ', INPUT_PLOT: 'a.png' });
    expect(p.collection).toBeUndefined();
    expect(p.title).toBeUndefined();
    expect(p.plot).toBe('a.png');
  });
});
