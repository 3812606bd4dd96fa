/**
 * The CLI's one error type and the one mapping from any failure to an exit code and a message.
 * Anything may throw; only the entry (main.ts) calls `toCliError`.
 */
import type { ApiError } from '@snapshotplot/api-client';
import { CommanderError } from 'commander';

/** Exit codes, documented in the README. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  auth: 3,
  unavailable: 4,
  /** `compare --fail-on-change`: plots changed or were removed and nobody approved them. */
  changes: 5,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure with the exit code it stands for and a message that says what to do. */
export class CliError extends Error {
  override name = 'CliError';
  /** True when the message was shown already (commander prints its own usage errors). */
  readonly printed: boolean;
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    options?: { cause?: unknown; printed?: boolean },
  ) {
    super(message, options);
    this.printed = options?.printed ?? false;
  }
}

/** Several items of a batch failed; the first failure decides the exit code. */
export class BatchError extends Error {
  override name = 'BatchError';
  constructor(
    readonly failures: Array<{ label: string; error: unknown }>,
    readonly total: number,
  ) {
    super(`${failures.length} of ${total} snapshots failed`);
  }
}

/** Context that makes messages specific: the project and the server URL in use. */
export interface ErrorContext {
  project?: string;
  apiUrl?: string;
}

/** The server's sentence without its full stop, with the request id for support. */
function serverSaid(err: { message: string; requestId?: string }) {
  const text = err.message.trim().replace(/\.$/, '');
  return err.requestId ? `${text} (request id ${err.requestId})` : text;
}

/** Upload URL failures the client could not cure by renewing: not the user's token at fault. */
const UPLOAD_URL_CODES = ['invalid_upload_token', 'upload_url_expired', 'upload_url_used'];

function fromApiError(err: ApiError, ctx: ErrorContext): CliError {
  const what = serverSaid(err);
  const project = ctx.project ? `project ${ctx.project}` : 'the project';
  if (UPLOAD_URL_CODES.includes(err.code)) {
    return new CliError(
      EXIT.unavailable,
      `The upload failed after retries: ${what}. Run the command again.`,
      {
        cause: err,
      },
    );
  }
  if (err.status === 401) {
    return new CliError(
      EXIT.auth,
      `Authentication failed: ${what}. Give a valid token with --token or SNAPSHOTPLOT_TOKEN for the server at ${ctx.apiUrl ?? 'the API URL'}.`,
      { cause: err },
    );
  }
  if (err.status === 403) {
    return new CliError(
      EXIT.auth,
      `Permission denied: ${what}. The token is not allowed to do this in ${project}; use a token created for that project with the publisher role (or check --project / SNAPSHOTPLOT_PROJECT).`,
      { cause: err },
    );
  }
  if (err.status === 408 || err.status === 429 || err.status >= 500) {
    return new CliError(EXIT.unavailable, `The server failed after retries: ${what}.`, {
      cause: err,
    });
  }
  if ([400, 413, 415, 422].includes(err.status)) {
    return new CliError(EXIT.usage, `The server refused the input: ${what}.`, { cause: err });
  }
  return new CliError(EXIT.failure, `${what}.`, { cause: err });
}

/**
 * Any thrown value -> the CliError to report. Commander has printed its own errors already.
 * The client is loaded only here, on the error path, so `--version` and `--help` stay fast.
 */
export async function toCliError(err: unknown, ctx: ErrorContext = {}): Promise<CliError> {
  if (err instanceof CliError) return err;
  if (err instanceof CommanderError) {
    // --help and --version end through exitOverride too, with code 0.
    return new CliError(err.exitCode === 0 ? EXIT.ok : EXIT.usage, err.message, {
      cause: err,
      printed: true,
    });
  }
  const { ApiError, InputError, NetworkError } = await import('@snapshotplot/api-client');
  if (err instanceof InputError) return new CliError(EXIT.usage, err.message, { cause: err });
  if (err instanceof ApiError) return fromApiError(err, ctx);
  if (err instanceof NetworkError) {
    return new CliError(
      EXIT.unavailable,
      `${serverSaid(err)}. The server URL comes from --api-url or SNAPSHOTPLOT_API_URL${ctx.apiUrl ? ` (now ${ctx.apiUrl})` : ''}.`,
      { cause: err },
    );
  }
  if (err instanceof BatchError) {
    const mapped = await Promise.all(err.failures.map((f) => toCliError(f.error, ctx)));
    const lines = err.failures.map((f, i) => `  ${f.label}: ${mapped[i]!.message}`);
    const first = mapped[0] ?? new CliError(EXIT.failure, err.message);
    return new CliError(first.exitCode, `${err.message}:\n${lines.join('\n')}`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new CliError(
    EXIT.failure,
    `Unexpected error: ${message || 'unknown'}. Run again with --debug for details.`,
    { cause: err },
  );
}
