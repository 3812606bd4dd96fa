export * from './client.js';
export * from './contract-entry.js';
export {
  ApiError,
  describeIssues,
  InputError,
  type InputErrorCode,
  invalidMetadata,
  NetworkError,
  type NetworkErrorCode,
} from './errors.js';
export {
  canonicalJson,
  idempotencyKeyFor,
  keyFor,
  type PublishMetadata,
  publishBody,
} from './idempotency.js';
export type { ArtifactFile } from './multipart.js';
export { parseRetryAfter } from './retry-after.js';
export { describeRetry, type RetryEvent } from './retry-policy.js';
export { describeTiming, type TimingEvent } from './timing.js';
export type { UploadSource } from './upload-body.js';
export { VERSION } from './version.js';
