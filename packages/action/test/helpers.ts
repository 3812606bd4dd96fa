/**
 * Test helpers: real webhook payloads from @octokit/webhooks-examples, a context built the
 * way @actions/github builds it, a core that records calls, and a temp workspace fixture.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { WorkflowContext } from '../src/context.js';
import type { ActionCore } from '../src/run.js';

/** A real 1x1 PNG, so any content sniffing sees an image. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

// biome-ignore lint/suspicious/noExplicitAny: webhook example payloads are read as untyped JSON.
export type Payload = Record<string, any>;

/** The token every unit test uses; masking tests look for it in every message. */
export const TOKEN = 'spt_secret_value_123';

/** A temp workspace with loss.png and loss.py, and the inputs of a typical step. */
export function useWorkspace(): { dir: () => string; env: () => Record<string, string> } {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'snapshotplot-action-'));
    await writeFile(join(dir, 'loss.png'), PNG);
    await writeFile(join(dir, 'loss.py'), 'print("loss")\n');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
  return {
    dir: () => dir,
    env: () => ({
      'INPUT_API-URL': 'https://plots.example.com',
      INPUT_TOKEN: TOKEN,
      'INPUT_PROJECT-ID': 'proj_1',
      INPUT_PLOT: 'loss.png',
      INPUT_CODE: 'loss.py',
      INPUT_TAGS: 'ml,nightly',
      // These tests are about publishing; the comparison after it has its own tests.
      INPUT_COMPARE: 'false',
      GITHUB_WORKSPACE: dir,
    }),
  };
}

const require = createRequire(import.meta.url);
const definitions: Array<{
  name: string;
  examples: Array<Payload>;
}> = require('@octokit/webhooks-examples');

/** The first real example payload of an event that satisfies `pick`. */
export function examplePayload(event: string, pick: (p: Payload) => boolean = () => true): Payload {
  const def = definitions.find((d) => d.name === event);
  const found = def?.examples.find(pick);
  if (!found) throw new Error(`no @octokit/webhooks-examples payload for ${event}`);
  return structuredClone(found);
}

/** A context shaped like @actions/github's, for a runner in `GITHUB_REPOSITORY` owner/repo. */
export function contextFor(
  eventName: string,
  payload: Payload,
  over: Partial<WorkflowContext> = {},
): WorkflowContext {
  const full: string = payload.repository?.full_name ?? 'octo-org/octo-repo';
  const [owner, repo] = full.split('/') as [string, string];
  return {
    eventName,
    payload,
    sha: 'ffffffffffffffffffffffffffffffffffffffff',
    ref: 'refs/heads/main',
    workflow: 'Plots',
    job: 'publish',
    actor: 'octocat',
    runId: 9001,
    runAttempt: 2,
    serverUrl: 'https://github.com',
    repo: { owner, repo },
    ...over,
  };
}

export interface RecordingCore extends ActionCore {
  secrets: string[];
  outputs: Record<string, string>;
  failed: string[];
  warnings: string[];
  infos: string[];
  summaries: string[];
  /** Every call in order, to check masking happens before any log line. */
  calls: string[];
}

/** A core that records calls instead of writing to the runner's files. */
export function recordingCore(): RecordingCore {
  const c: RecordingCore = {
    secrets: [],
    outputs: {},
    failed: [],
    warnings: [],
    infos: [],
    summaries: [],
    calls: [],
    setSecret(s) {
      c.calls.push('setSecret');
      c.secrets.push(s);
    },
    setOutput(n, v) {
      c.calls.push('setOutput');
      c.outputs[n] = v;
    },
    setFailed(m) {
      c.calls.push('setFailed');
      c.failed.push(m);
    },
    warning(m) {
      c.calls.push('warning');
      c.warnings.push(m);
    },
    info(m) {
      c.calls.push('info');
      c.infos.push(m);
    },
    summary: {
      addRaw: (t: string) => void c.summaries.push(t),
      write: async () => undefined,
    },
  };
  return c;
}
