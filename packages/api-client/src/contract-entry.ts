/**
 * `@snapshotplot/api-client/contract`: the wire contract alone — schemas, content types, the
 * endpoint table and the helpers that read it (`pathFor`, `entries`), error codes. Nothing
 * here loads the transport (undici, p-retry), so the server can validate with the same
 * schemas and mount its routes from the same table without paying for the client.
 */
export * from './comparison-schemas.js';
export * from './content-types.js';
export * from './contract.js';
export * from './endpoint.js';
export { formatBytes } from './format-bytes.js';
// The server fingerprints idempotent requests with the same canonical JSON the client keys them by.
export { canonicalJson } from './idempotency.js';
export * from './schemas.js';
