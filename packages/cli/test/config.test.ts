import { describe, expect, it } from 'vitest';
import { required, resolveConfig } from '../src/config.js';
import { CliError } from '../src/errors.js';

const env = {
  SNAPSHOTPLOT_API_URL: 'https://env.example.com/',
  SNAPSHOTPLOT_TOKEN: 'spt_env',
  SNAPSHOTPLOT_PROJECT: 'proj_env',
  SNAPSHOTPLOT_COLLECTION: 'nightly',
};

describe('resolveConfig', () => {
  it('takes the environment when no flag is given, without a trailing slash', () => {
    expect(resolveConfig({}, env)).toEqual({
      apiUrl: 'https://env.example.com',
      token: 'spt_env',
      project: 'proj_env',
      collection: 'nightly',
    });
  });

  it('lets every flag win over its variable', () => {
    const flags = {
      apiUrl: 'http://127.0.0.1:9',
      token: 'spt_flag',
      project: 'proj_flag',
      collection: 'c',
    };
    expect(resolveConfig(flags, env)).toEqual({ ...flags });
  });

  it('treats blank flags and variables as unset', () => {
    expect(
      resolveConfig(
        { project: '  ' },
        { SNAPSHOTPLOT_PROJECT: 'proj_env', SNAPSHOTPLOT_TOKEN: '' },
      ),
    ).toEqual({
      project: 'proj_env',
    });
  });

  it('names the flag or the variable that holds a bad value', () => {
    expect(() => resolveConfig({ apiUrl: 'ftp://x' }, env)).toThrow(
      /Invalid --api-url: must be an http\(s\) URL/,
    );
    expect(() => resolveConfig({}, { SNAPSHOTPLOT_PROJECT: 'no spaces allowed' })).toThrow(
      /Invalid SNAPSHOTPLOT_PROJECT/,
    );
    expect(() => resolveConfig({}, { SNAPSHOTPLOT_RETRIES: 'lots' })).toThrow(
      /Invalid SNAPSHOTPLOT_RETRIES/,
    );
  });

  it('reads SNAPSHOTPLOT_RETRIES as a number', () => {
    expect(resolveConfig({}, { SNAPSHOTPLOT_RETRIES: '0' })).toEqual({ retries: 0 });
  });
});

describe('required', () => {
  it('says which flag and which variable give a missing setting, as a usage error', () => {
    const err = (() => {
      try {
        required(resolveConfig({}, {}), 'token');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CliError);
    expect(err).toMatchObject({
      exitCode: 2,
      message:
        "Missing an API token: pass --token TOKEN or set SNAPSHOTPLOT_TOKEN (or --oidc in CI, to use the job's ID token).",
    });
    expect(() => required({}, 'project')).toThrow('pass --project ID or set SNAPSHOTPLOT_PROJECT');
    expect(() => required({}, 'apiUrl')).toThrow('pass --api-url URL or set SNAPSHOTPLOT_API_URL');
    expect(required({ project: 'p' }, 'project')).toBe('p');
  });
});
