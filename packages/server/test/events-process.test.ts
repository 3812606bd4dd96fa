/** The built bin (run `pnpm build` first): SIGTERM is not held open by event streams. */
import { startTestServer } from 'snapshotplot-server/testing';
import { describe, expect, it } from 'vitest';

describe('snapshotplot-server serve with open event streams', () => {
  it('exits promptly on SIGTERM and ends the streams', async () => {
    const server = await startTestServer({ args: ['--sse-heartbeat-ms', '200'] });
    try {
      const project = await server.createProject();
      const token = await server.createToken(project.id, 'reader');
      const res = await fetch(`${server.url}/api/projects/${project.id}/events`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      // The first heartbeat proves the stream is live before the signal.
      let text = '';
      while (!text.includes(':\n\n')) text += new TextDecoder().decode((await reader.read()).value);
      const t0 = Date.now();
      await server.stop();
      expect(Date.now() - t0).toBeLessThan(3000);
      for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) break;
    } finally {
      await server.destroy();
    }
  });
});
