import { ApiError, InputError, NetworkError } from '@snapshotplot/api-client';
import { describe, expect, it } from 'vitest';
import { describeError } from '../src/errors.js';

describe('describeError', () => {
  it('an HTTP 403 names the status, code, request id and the fix', () => {
    const err = new ApiError({
      status: 403,
      code: 'forbidden',
      message: 'Not allowed.',
      requestId: 'req_1',
    });
    expect(describeError(err)).toBe(
      'The snapshotplot server refused the request: Not allowed. (HTTP 403 forbidden, request id req_1). The token is valid but not allowed here: use a token of this project with the publisher role.',
    );
  });

  it("names a code this client does not know as the server sent it, not as 'unknown_error'", () => {
    const err = new ApiError({
      status: 400,
      code: 'unknown_error',
      serverCode: 'tag_limit_reached',
      message: 'Too many tags.',
    });
    expect(describeError(err)).toBe(
      'The snapshotplot server refused the request: Too many tags. (HTTP 400 tag_limit_reached).',
    );
  });

  it('a network failure names the server URL and what to check', () => {
    const err = new NetworkError('network_error', 'connect ECONNREFUSED 127.0.0.1:9');
    const msg = describeError(err, 'http://127.0.0.1:9');
    expect(msg).toContain('Could not reach the snapshotplot server at http://127.0.0.1:9');
    expect(msg).toContain('Check api-url');
  });

  it('a file problem keeps the client message and explains relative paths', () => {
    const err = new InputError('file_not_found', 'File not found: out/x.png.', {
      path: 'out/x.png',
    });
    expect(describeError(err)).toBe(
      'File not found: out/x.png. Paths are relative to the workspace (GITHUB_WORKSPACE).',
    );
  });

  it('anything else is one line without a stack trace, never empty', () => {
    expect(describeError(new TypeError('boom'))).toBe('Publishing failed unexpectedly: boom');
    expect(describeError('odd')).toBe('Publishing failed unexpectedly: odd');
    expect(describeError(new Error(''))).not.toMatch(/: $/);
  });
});
