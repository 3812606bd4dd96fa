// The pixel diff thread. Plain JavaScript on purpose (as highlight-worker.mjs): a worker
// thread is a bare Node module graph, so this file runs unchanged from src/ under the tests
// and from dist/ after `tsc`. The pool terminates it when a pair runs over its time budget.
import { parentPort } from 'node:worker_threads';
import { comparePlots } from './pixel-compare.mjs';

parentPort.on('message', async (task) => {
  try {
    const result = await comparePlots(
      { bytes: Buffer.from(task.base.bytes), contentType: task.base.contentType },
      { bytes: Buffer.from(task.head.bytes), contentType: task.head.contentType },
      task.maxPixels,
    );
    const transfer = result.compared ? [result.png.buffer] : [];
    parentPort.postMessage({ type: 'done', value: result }, transfer);
  } catch (err) {
    parentPort.postMessage({ type: 'failed', message: String(err?.message ?? err) });
  }
});
parentPort.postMessage({ type: 'ready' });
