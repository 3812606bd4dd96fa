/**
 * `s3://bucket/prefix`, parsed without loading the AWS SDK: every command line checks its
 * --storage with it, and only a command that opens S3 storage pays for the SDK.
 */
import { ConfigError } from '../errors.js';

export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing slash; '' for the bucket root. */
  prefix: string;
}

const S3_URL = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;
const SHAPE =
  'use s3://BUCKET or s3://BUCKET/PREFIX (lower-case bucket name; prefix of letters, digits, _ . - /)';

/** The location, or null when `url` is not a usable S3 URL. */
function parse(url: string): S3Location | null {
  const m = S3_URL.exec(url.trim());
  const prefix = (m?.[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (!m || !/^[A-Za-z0-9_./-]*$/.test(prefix) || prefix.includes('..')) return null;
  return { bucket: m[1]!, prefix };
}

/** Parses `s3://bucket/optional/prefix`; ConfigError (usage) names the expected shape. */
export function parseS3Url(url: string): S3Location {
  const location = parse(url);
  if (!location) throw new ConfigError(`Invalid --storage "${url}": ${SHAPE}.`, 'storage');
  return location;
}
