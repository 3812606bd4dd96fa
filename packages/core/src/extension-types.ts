/**
 * The media type of a file by its last extension, for the types the contract accepts: what
 * mime-db says for exactly those types (the contract's own extensions, `.jpg`, `.svg`, …, and
 * its aliases, `.jpeg`, `.htm`, `.log`, …). It replaces the full mime-db lookup, whose ~2,000
 * types cost the CLI ~30 ms to load for these 25. The contract's per-kind overrides (`.py`,
 * `.json`, `.vl.json`, …) still come first; a test checks the table against the contract.
 */
import { extname } from 'node:path';

/** mime-db's answer for every extension it maps to a type some artifact kind accepts. */
export const EXTENSION_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  svg: 'image/svg+xml',
  svgz: 'image/svg+xml',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  jpe: 'image/jpeg',
  webp: 'image/webp',
  pdf: 'application/pdf',
  html: 'text/html',
  htm: 'text/html',
  shtml: 'text/html',
  json: 'application/json',
  map: 'application/json',
  ipynb: 'application/x-ipynb+json',
  js: 'text/javascript',
  mjs: 'text/javascript',
  sh: 'application/x-sh',
  txt: 'text/plain',
  text: 'text/plain',
  conf: 'text/plain',
  def: 'text/plain',
  list: 'text/plain',
  log: 'text/plain',
  in: 'text/plain',
  ini: 'text/plain',
};

/**
 * mime-types' `lookup` over that table: the type for the name's last extension, or false.
 * As there, a bare name counts as an extension (`png` -> image/png).
 */
export function lookupExtension(name: string): string | false {
  const ext = extname(`x.${name}`).toLowerCase().slice(1);
  return (Object.hasOwn(EXTENSION_TYPES, ext) && EXTENSION_TYPES[ext]) || false;
}
