/** Serves the gallery's stylesheet (ours + highlight.js's GitHub theme) and script. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Router } from 'express';
import { GALLERY_CSS } from './assets/gallery-css.js';
import { GALLERY_JS } from './assets/gallery-js.js';
import { STATIC_PREFIX } from './layout.js';

let css: string | undefined;
/** Built on first request: the theme file ships inside the highlight.js package. */
function stylesheet(): string {
  if (css === undefined) {
    let theme = '';
    try {
      const file = createRequire(import.meta.url).resolve('highlight.js/styles/github.min.css');
      theme = readFileSync(file, 'utf8');
    } catch {
      // Without the theme, code is still shown, just uncoloured.
    }
    css = `${theme}\n${GALLERY_CSS}`;
  }
  return css;
}

export function staticRoutes(router: Router): void {
  const headers = { 'Cache-Control': 'public, max-age=300', 'X-Content-Type-Options': 'nosniff' };
  router.get(`${STATIC_PREFIX}/gallery.css`, (_req, res) => {
    res.set(headers).type('text/css').send(stylesheet());
  });
  router.get(`${STATIC_PREFIX}/gallery.js`, (_req, res) => {
    res.set(headers).type('text/javascript').send(GALLERY_JS);
  });
}
