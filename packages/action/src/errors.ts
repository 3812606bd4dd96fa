/**
 * Turns any failure into one sentence for the `::error` annotation: what went wrong and what
 * to change. Never a stack trace.
 */
import { ApiError, InputError, NetworkError } from '@snapshotplot/api-client';
import { InputValueError } from './inputs.js';

/** A problem with the action's configuration (missing or conflicting inputs). */
export class ActionConfigError extends Error {
  override name = 'ActionConfigError';
}

const STATUS_HINTS: Record<number, string> = {
  401: 'Check the token input: it must be a current snapshotplot service token for this server, stored in a secret.',
  403: 'The token is valid but not allowed here: use a token of this project with the publisher role.',
  404: 'Check api-url and project-id.',
  413: 'The file is larger than the server accepts (its --max-upload-bytes).',
  415: 'The server does not accept this file type.',
};

/** One clear, user-facing sentence (plus a hint) for an error thrown while publishing. */
export function describeError(err: unknown, apiUrl?: string): string {
  if (err instanceof InputValueError || err instanceof ActionConfigError) return err.message;
  if (err instanceof ApiError) {
    // An untrusted ID token's message already names the `trust add` command that fixes it.
    const hint =
      STATUS_HINTS[err.status] && err.code !== 'untrusted_identity'
        ? ` ${STATUS_HINTS[err.status]}`
        : '';
    const rid = err.requestId ? `, request id ${err.requestId}` : '';
    // The code as the server sent it, also one this client names 'unknown_error'.
    const code = err.serverCode ?? err.code;
    return `The snapshotplot server refused the request: ${err.message} (HTTP ${err.status} ${code}${rid}).${hint}`;
  }
  if (err instanceof NetworkError) {
    const where = apiUrl ? ` at ${apiUrl}` : '';
    return `Could not reach the snapshotplot server${where}: ${err.message}. Check api-url and that the server is reachable from the runner.`;
  }
  if (err instanceof InputError) {
    const where = err.path ? ' Paths are relative to the workspace (GITHUB_WORKSPACE).' : '';
    return `${err.message}${where}`;
  }
  const message = err instanceof Error && err.message ? err.message : String(err);
  return `Publishing failed unexpectedly: ${message}`;
}
