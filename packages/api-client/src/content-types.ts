/**
 * Which media types each artifact kind accepts. The client checks a file against this before
 * any request; the server answers 415 for anything else.
 */
import type { ArtifactKind } from './schemas.js';

/** Plot media types and the file extension they are stored under. */
export const PLOT_CONTENT_TYPES: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/svg+xml': 'svg',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'application/pdf': 'pdf',
  'text/html': 'html',
  'application/json': 'json',
  'application/vnd.vega.v5+json': 'vega.json',
  'application/vnd.vegalite.v5+json': 'vl.json',
  'application/vnd.plotly.v1+json': 'plotly.json',
};

/**
 * Plot media types a browser shows in an <img> (SVG included: an <img> never runs its script),
 * for the places that inline a plot rather than link to it.
 */
export const INLINE_IMAGE_TYPES: ReadonlySet<string> = new Set([
  'image/png',
  'image/svg+xml',
  'image/jpeg',
  'image/webp',
]);

/** Code media types and the file extension they are stored under. */
export const CODE_CONTENT_TYPES: Readonly<Record<string, string>> = {
  'text/x-python': 'py',
  'application/x-ipynb+json': 'ipynb',
  'text/x-r': 'R',
  'text/x-julia': 'jl',
  'text/x-matlab': 'm',
  'text/javascript': 'js',
  'text/x-typescript': 'ts',
  'application/x-sh': 'sh',
  'text/plain': 'txt',
};

const BY_KIND: Record<ArtifactKind, Readonly<Record<string, string>>> = {
  plot: PLOT_CONTENT_TYPES,
  code: CODE_CONTENT_TYPES,
};

/** File extensions whose media type mime-types gets wrong or does not know, per kind. */
const EXTENSION_OVERRIDES: Record<ArtifactKind, Readonly<Record<string, string>>> = {
  plot: {
    json: 'application/json',
    'vl.json': 'application/vnd.vegalite.v5+json',
    'plotly.json': 'application/vnd.plotly.v1+json',
  },
  code: {
    py: 'text/x-python',
    ipynb: 'application/x-ipynb+json',
    r: 'text/x-r',
    jl: 'text/x-julia',
    m: 'text/x-matlab',
    js: 'text/javascript',
    mjs: 'text/javascript',
    ts: 'text/x-typescript',
    sh: 'application/x-sh',
    txt: 'text/plain',
  },
};

/** `text/html; charset=utf-8` -> `text/html`. */
export function baseContentType(contentType: string): string {
  return contentType.split(';')[0]!.trim().toLowerCase();
}

/** The stored file extension for a media type of this kind, or undefined when not accepted. */
export function extensionFor(kind: ArtifactKind, contentType: string): string | undefined {
  return BY_KIND[kind][baseContentType(contentType)];
}

/** Whether a media type is accepted for the kind. */
export function isAcceptedContentType(kind: ArtifactKind, contentType: string): boolean {
  return extensionFor(kind, contentType) !== undefined;
}

/** The accepted media types of a kind, for error messages and docs. */
export function acceptedContentTypes(kind: ArtifactKind): string[] {
  return Object.keys(BY_KIND[kind]);
}

/**
 * The media type for a file name by its extension, taking this kind's overrides first, or
 * undefined when the extension is not one snapshotplot accepts for the kind.
 * `lookup` is mime-types' `lookup` (injected so this module has no dependencies).
 */
export function contentTypeForFile(
  kind: ArtifactKind,
  fileName: string,
  lookup: (name: string) => string | false,
): string | undefined {
  const lower = fileName.toLowerCase();
  const overrides = EXTENSION_OVERRIDES[kind];
  const match = Object.keys(overrides)
    .filter((ext) => lower.endsWith(`.${ext}`))
    .sort((a, b) => b.length - a.length)[0];
  const type = match ? overrides[match] : lookup(fileName) || undefined;
  return type && isAcceptedContentType(kind, type) ? type : undefined;
}
