/** Sign-in (pasted token or one-click link) and sign-out. */
import express, { type Request, type Response, type Router } from 'express';
import type { AppContext } from '../http/context.js';
import { credentialPrincipal } from '../http/session-auth.js';
import { html } from './html.js';
import { sendPage } from './layout.js';
import { redeemLoginLink } from './login-link.js';
import {
  clearSessionCookie,
  csrfMatches,
  isHttps,
  newSession,
  readSession,
  type SessionPayload,
  sessionCookie,
} from './session.js';
import { storeSession, verifyPasted } from './session-principal.js';

/** Only same-site paths: an open redirect would let a link send a signed-in user anywhere. */
export const safeNext = (next: unknown) =>
  typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/';

/**
 * Refuses a cross-site POST: browsers send Origin on POST, and it must be this server.
 * (SameSite=Lax already keeps the cookie off cross-site POSTs; this also covers sign-in,
 * which has no session yet.)
 */
export function sameOrigin(req: Request, publicUrl: string): boolean {
  const origin = req.get('origin');
  if (!origin) return true;
  const own = `${req.protocol}://${req.get('host')}`;
  try {
    return origin === own || origin === new URL(publicUrl).origin;
  } catch {
    return origin === own;
  }
}

function signinPage(
  ctx: AppContext,
  res: Response,
  o: { status?: number; error?: string; next?: string; notice?: string },
) {
  sendPage(res, {
    status: o.status ?? 200,
    title: 'Sign in',
    publicUrl: ctx.publicUrl(),
    body: html`<section class="signin">
<h1>Sign in</h1>
${o.notice ? html`<p class="notice">${o.notice}</p>` : ''}
${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
<form method="post" action="/signin">
<label for="token">Paste a token with read access${ctx.jwt ? ' (or your JWT)' : ''}</label>
<input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required placeholder="spt_…" autofocus>
<input type="hidden" name="next" value="${safeNext(o.next)}">
<button type="submit">Sign in</button>
</form>
<p class="note">The token is checked once and never stored in your browser: you get a session cookie that lasts 12 hours and ends as soon as the token is revoked. An admin can create a reader token with <code>snapshotplot-server token create --project ID --role reader</code>, or a one-click link with <code>snapshotplot-server login-link --project ID</code>.</p>
</section>`,
  });
}

/** Stores the session row, then sets its cookie. */
async function startSession(ctx: AppContext, req: Request, res: Response, s: SessionPayload) {
  await storeSession(ctx.store, s, ctx.now());
  const nowSeconds = Math.floor(ctx.now().getTime() / 1000);
  res.append(
    'Set-Cookie',
    sessionCookie(ctx.secret, s, { secure: isHttps(req, ctx.publicUrl()), nowSeconds }),
  );
}

export function sessionRoutes(ctx: AppContext, router: Router): void {
  const form = express.urlencoded({ extended: false, limit: '16kb' });

  router.get('/signin', (req, res) => {
    const ended = req.query.ended === '1';
    signinPage(ctx, res, {
      next: safeNext(req.query.next),
      ...(ended
        ? { notice: 'Your session ended (signed out, expired, or the token was revoked).' }
        : {}),
    });
  });

  router.post('/signin', form, async (req, res) => {
    const next = safeNext(req.body?.next);
    if (!sameOrigin(req, ctx.publicUrl())) {
      signinPage(ctx, res, {
        status: 403,
        next,
        error: 'Sign-in must come from this site’s own form.',
      });
      return;
    }
    const token = typeof req.body?.token === 'string' ? req.body.token : '';
    const check = await verifyPasted(ctx, token);
    if (!check.ok) {
      signinPage(ctx, res, { status: 401, next, error: check.message });
      return;
    }
    const nowSeconds = Math.floor(ctx.now().getTime() / 1000);
    await startSession(ctx, req, res, newSession(check.kind, check.id, nowSeconds, check.exp));
    res.redirect(303, next);
  });

  router.get('/signin/link', async (req, res) => {
    const r = await redeemLoginLink(ctx.secret, ctx.store, req.query.l, ctx.now());
    const session = r.ok
      ? newSession('token', r.tokenId, Math.floor(ctx.now().getTime() / 1000))
      : null;
    const principal = session
      ? await credentialPrincipal(ctx.store, session.k, session.id, ctx.now())
      : null;
    if (!session || !principal) {
      const message = r.ok ? 'The token behind this link was revoked or has expired.' : r.message;
      signinPage(ctx, res, { status: 401, error: message });
      return;
    }
    await startSession(ctx, req, res, session);
    const [project] = [...principal.grants.keys()];
    res.set('Referrer-Policy', 'no-referrer');
    res.redirect(303, project ? `/projects/${project}` : '/');
  });

  router.post('/signout', form, async (req, res) => {
    const session = readSession(ctx.secret, req, Math.floor(ctx.now().getTime() / 1000));
    if (session && (!sameOrigin(req, ctx.publicUrl()) || !csrfMatches(session, req.body?.csrf))) {
      sendPage(res, {
        status: 403,
        title: 'Refused',
        publicUrl: ctx.publicUrl(),
        body: html`<p class="error">Sign-out was refused: the form did not carry this session’s CSRF token. Use the Sign out button on a gallery page.</p>`,
      });
      return;
    }
    // Server-side: a copy of the cookie (another tab, a stolen one) is refused from now on.
    if (session) await ctx.store.revokeSession(session.s, ctx.now().toISOString());
    res.append('Set-Cookie', clearSessionCookie(isHttps(req, ctx.publicUrl())));
    res.redirect(303, '/signin');
  });
}
