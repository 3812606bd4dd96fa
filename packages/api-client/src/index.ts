export * from './batch.js';
export * from './client.js';
export * from './content-types.js';
export * from './contract.js';
export {
  ApiError,
  InputError,
  type InputErrorCode,
  NetworkError,
  type NetworkErrorCode,
} from './errors.js';
export { DEFAULT_MAX_FILE_BYTES, formatBytes, type InspectedFile, inspectFile } from './files.js';
export { type GithubEnv, type GithubEventFields, githubEventFields } from './github-event.js';
export { idempotencyKeyFor, type PublishMetadata } from './idempotency.js';
export * from './publish-flow.js';
export { parseRetryAfter } from './retry-after.js';
export * from './schemas.js';
export { VERSION } from './version.js';
