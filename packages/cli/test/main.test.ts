import { describe, expect, it } from 'vitest';
import { cliVersion, run } from '../src/main.js';
import { fakeIo } from './helpers/fake-io.js';

describe('run (in-process)', () => {
  it('prints the version and exits 0', async () => {
    const io = fakeIo();
    expect(await run(['--version'], io)).toBe(0);
    expect(io.out()).toBe(`${cliVersion()}\n`);
    expect(cliVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  for (const cmd of ['publish', 'list', 'show']) {
    it(`${cmd} --help shows examples on stdout and exits 0`, async () => {
      const io = fakeIo();
      expect(await run([cmd, '--help'], io)).toBe(0);
      expect(io.out()).toContain(`Usage: snapshotplot ${cmd}`);
      expect(io.out()).toContain('Examples:');
      expect(io.err()).toBe('');
    });
  }

  it('exits 2 on an unknown option, an unknown command, a bad value and no command', async () => {
    for (const argv of [
      ['publish', '--nope'],
      ['pubish'],
      ['publish', '--pr', 'abc'],
      ['publish', '--concurrency', '0'],
      ['list', '--status', 'gone'],
      ['show'],
      [],
    ]) {
      const io = fakeIo();
      expect(await run(argv, io), argv.join(' ')).toBe(2);
      expect(io.err(), argv.join(' ')).toMatch(/error|Usage/);
      expect(io.out()).toBe('');
    }
  });

  it('exits 2 naming both ways to give a missing project, before anything else', async () => {
    const io = fakeIo({ env: {} });
    expect(await run(['publish', '--title', 't', '--plot', 'missing.png'], io)).toBe(2);
    expect(io.err()).toBe(
      'error: Missing the project id: pass --project ID or set SNAPSHOTPLOT_PROJECT.\n',
    );
  });

  it('shows no stack trace unless --debug', async () => {
    const argv = ['publish', '--project', 'p', '--api-url', 'not a url'];
    const plain = fakeIo();
    expect(await run(argv, plain)).toBe(2);
    expect(plain.err()).not.toMatch(/\n\s+at /);
    const debug = fakeIo();
    expect(await run([...argv, '--debug'], debug)).toBe(2);
    expect(debug.err()).toMatch(/\n\s+at /);
  });

  it('refuses an invalid snapshot id before any request', async () => {
    const io = fakeIo();
    expect(
      await run(['show', '../etc/passwd', '--api-url', 'http://127.0.0.1:1', '--token', 't'], io),
    ).toBe(2);
    expect(io.err()).toContain('Invalid snapshot id "../etc/passwd"');
  });
});
