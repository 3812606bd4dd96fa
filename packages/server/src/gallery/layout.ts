/** The page shell and the security headers every gallery page is sent with. */
import type { Response } from 'express';
import { html, type SafeHtml } from './html.js';

export const STATIC_PREFIX = '/gallery/static';

/**
 * Strict CSP: only this origin's script and style (no inline script, so no inline event
 * handlers), plots only as images from this origin or the public URL, nothing embeds us.
 */
export function galleryCsp(publicUrl: string, frameSrc?: string): string {
  let origin = '';
  try {
    origin = ` ${new URL(publicUrl).origin}`;
  } catch {}
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self'${origin} data:`,
    "connect-src 'self'",
    // Only pages that show a live plot frame it (gallery/plot-frame.ts), from that origin.
    frameSrc ? `frame-src ${frameSrc}` : "frame-src 'none'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The headers every gallery HTML response carries, whole page or fragment. */
export function setGalleryHeaders(res: Response, publicUrl: string, frameSrc?: string): void {
  res.set({
    'Content-Security-Policy': galleryCsp(publicUrl, frameSrc),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  });
}

/**
 * Sends an HTML fragment (a live card) with the page headers: fetched by the gallery's
 * script, but a browser can also be sent to its URL directly.
 */
export function sendFragment(res: Response, fragment: SafeHtml, publicUrl: string): void {
  setGalleryHeaders(res, publicUrl);
  res.type('html').send(fragment.value);
}

/** Sends a full page with the gallery's headers. */
export function sendPage(
  res: Response,
  o: {
    status?: number;
    title: string;
    body: SafeHtml;
    nav?: SafeHtml;
    publicUrl: string;
    /** The origin of the plot frames the page shows (frame-src); none when absent. */
    frameSrc?: string;
  },
): void {
  res.status(o.status ?? 200);
  setGalleryHeaders(res, o.publicUrl, o.frameSrc);
  res.type('html').send(
    html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · snapshotplot</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${STATIC_PREFIX}/gallery.css">
<script src="${STATIC_PREFIX}/gallery.js" defer></script>
</head>
<body>
<header class="top"><a class="brand" href="/">snapshotplot</a>${o.nav ?? ''}</header>
<main>${o.body}</main>
</body>
</html>
`.value,
  );
}

/** The sign-out form for the header (POST with the session's CSRF token). */
export const signOutNav = (csrf: string, label: string, detail: string) =>
  html`<nav class="who"><span title="${detail}">${label}</span><form method="post" action="/signout"><input type="hidden" name="csrf" value="${csrf}"><button type="submit" class="link">Sign out</button></form></nav>`;
