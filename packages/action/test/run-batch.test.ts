import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../src/run.js';
import { contextFor, examplePayload, recordingCore, useWorkspace } from './helpers.js';
import { useServer } from './server-client.js';

const ws = useWorkspace();
const srv = useServer();

describe('run() batch and dry run', () => {
  it('publishes every plot of a directory and writes one table with a thumbnail per snapshot', async () => {
    await writeFile(
      join(ws.dir(), 'acc.svg'),
      '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>',
    );
    const client = srv.client();
    const core = recordingCore();
    const env = {
      ...ws.env(),
      ...srv.env(),
      INPUT_PLOT: '',
      INPUT_CODE: '',
      INPUT_DIRECTORY: '.',
    };
    const result = await run({
      env,
      context: contextFor('push', examplePayload('push')),
      client,
      core,
    });
    expect(core.failed).toEqual([]);
    expect(result.published.map((p) => p.snapshot.title)).toEqual(['acc', 'loss']);
    expect(client.published.map((b) => [b.title, b.artifacts])).toEqual([
      ['acc', { plot: true, code: false }],
      ['loss', { plot: true, code: true }],
    ]);
    const ids = result.published.map((p) => p.snapshot.id);
    expect(ids).toEqual([expect.stringMatching(/^snap_/), expect.stringMatching(/^snap_/)]);
    expect(new Set(ids).size).toBe(2);
    expect(JSON.parse(core.outputs['snapshot-ids']!)).toEqual(ids);
    expect(JSON.parse(core.outputs['snapshot-urls']!)).toHaveLength(2);
    expect(core.outputs['snapshot-id']).toBeUndefined();
    expect(core.warnings).toEqual([]);
    const html = core.summaries.join('');
    expect(html).toContain('2 of 2 published');
    expect(html.match(/<img /g)).toHaveLength(2);
  });

  it('a title with a directory is a failure: in a batch each title is the file name', async () => {
    const core = recordingCore();
    const client = srv.client();
    const env = {
      ...ws.env(),
      ...srv.env(),
      INPUT_PLOT: '',
      INPUT_DIRECTORY: '.',
      INPUT_TITLE: 'x',
    };
    await run({ env, context: contextFor('push', {}), client, core });
    expect(core.failed).toEqual([
      "input title and input directory cannot be combined: with input directory each title is the plot's file name (use a collection to group them).",
    ]);
    expect(client.published).toEqual([]);
  });

  it('an empty directory is a failure that says what was looked for', async () => {
    const core = recordingCore();
    const env = {
      ...ws.env(),
      ...srv.env(),
      INPUT_PLOT: '',
      INPUT_CODE: '',
      INPUT_DIRECTORY: 'empty',
    };
    await mkdir(join(ws.dir(), 'empty'));
    await run({ env, context: contextFor('push', {}), client: srv.client(), core });
    expect(core.failed[0]).toContain('No plot files found in empty');
  });

  it('dry-run inspects the files and contacts nothing, without needing a token', async () => {
    const client = srv.client();
    const core = recordingCore();
    const env = { ...ws.env(), INPUT_TOKEN: '', 'INPUT_API-URL': '', 'INPUT_DRY-RUN': 'true' };
    const result = await run({
      env,
      context: contextFor('push', examplePayload('push')),
      client,
      core,
    });
    expect(core.failed).toEqual([]);
    expect(result.ok).toBe(true);
    expect(client.published).toEqual([]);
    expect(core.outputs).toEqual({});
    expect(core.summaries.join('')).toContain('dry run');
  });
});
