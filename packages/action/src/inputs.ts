/**
 * The action's inputs, read from the `INPUT_*` variables the runner sets.
 *
 * The lookup follows @actions/core's `getInput` (name upper-cased, spaces to underscores,
 * hyphens kept, value trimmed), but reads an `env` argument instead of `process.env` so that
 * `run()` stays testable without touching the process.
 */

type Env = Record<string, string | undefined>;

export interface ActionInputs {
  apiUrl: string;
  token: string;
  projectId: string;
  collection?: string;
  title?: string;
  plot?: string;
  code?: string;
  author?: string;
  description?: string;
  tags: string[];
  directory?: string;
  failOnError: boolean;
  summary: boolean;
  dryRun: boolean;
  /** Publish with the job's OIDC ID token instead of a service token (no secret). */
  useOidc: boolean;
  /** `aud` of that ID token; default the api-url (what the server expects by default). */
  oidcAudience?: string;
}

/** A bad input value, found before any request is made. */
export class InputValueError extends Error {
  override name = 'InputValueError';
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(message);
  }
}

/** The raw value of one input, as @actions/core's getInput reads it ('' when unset). */
export function getInput(env: Env, name: string): string {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

// YAML 1.2 core schema booleans, exactly what core.getBooleanInput accepts.
const TRUE_VALUES = ['true', 'True', 'TRUE'];
const FALSE_VALUES = ['false', 'False', 'FALSE'];

/** A boolean input with getBooleanInput semantics; an unset input takes `fallback` (the action.yml default). */
export function getBooleanInput(env: Env, name: string, fallback: boolean): boolean {
  const value = getInput(env, name);
  if (value === '') return fallback;
  if (TRUE_VALUES.includes(value)) return true;
  if (FALSE_VALUES.includes(value)) return false;
  throw new InputValueError(
    name,
    `Input "${name}" is "${value}", which is not a boolean: use true or false.`,
  );
}

/** Tags given as a comma- or newline-separated list; blanks dropped, duplicates removed. */
export function parseTags(value: string): string[] {
  const tags = value
    .split(/[,\n\r]+/)
    .map((t) => t.trim())
    .filter((t) => t !== '');
  return [...new Set(tags)];
}

const optional = (value: string): string | undefined => (value === '' ? undefined : value);

/**
 * Every input of action.yml. `api-url`, `token` and `project-id` fall back to the
 * SNAPSHOTPLOT_* variables the CLI reads, so a workflow can set them once in `env:`.
 */
export function parseInputs(env: Env): ActionInputs {
  return {
    apiUrl: getInput(env, 'api-url') || (env.SNAPSHOTPLOT_API_URL ?? '').trim(),
    token: getInput(env, 'token') || (env.SNAPSHOTPLOT_TOKEN ?? '').trim(),
    projectId: getInput(env, 'project-id') || (env.SNAPSHOTPLOT_PROJECT ?? '').trim(),
    collection: optional(getInput(env, 'collection')),
    title: optional(getInput(env, 'title')),
    plot: optional(getInput(env, 'plot')),
    code: optional(getInput(env, 'code')),
    author: optional(getInput(env, 'author')),
    description: optional(getInput(env, 'description')),
    tags: parseTags(getInput(env, 'tags')),
    directory: optional(getInput(env, 'directory')),
    failOnError: getBooleanInput(env, 'fail-on-error', true),
    summary: getBooleanInput(env, 'summary', true),
    dryRun: getBooleanInput(env, 'dry-run', false),
    useOidc: getBooleanInput(env, 'use-oidc', false),
    oidcAudience: optional(getInput(env, 'oidc-audience')),
  };
}

/** The token alone, read before anything else so it can be masked even when other inputs are bad. */
export function readToken(env: Env): string {
  return getInput(env, 'token') || (env.SNAPSHOTPLOT_TOKEN ?? '').trim();
}
