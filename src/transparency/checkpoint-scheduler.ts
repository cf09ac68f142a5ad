import type { StoredCheckpoint, TransparencyLog } from './transparency-log.js';

/**
 * Issues a checkpoint every `intervalMs` while the log grows, so that witnesses and auditors
 * always have a recent signed tree head. A tick with nothing appended signs nothing (the log
 * returns the checkpoint it already has). With `immediately`, the first tick runs at once, so a
 * freshly started instance has a checkpoint (of size 0 on an empty log) before the first interval.
 * Returns a function that stops the timer.
 */
export function scheduleCheckpoints(
  log: TransparencyLog,
  intervalMs: number,
  hooks: { onIssued?: (cp: StoredCheckpoint) => void; onError: (e: unknown) => void; immediately?: boolean },
): () => void {
  let running = false;
  let lastSize = -1;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const size = await log.size();
      if (size !== lastSize) {
        const cp = await log.issueCheckpoint();
        lastSize = cp.size;
        hooks.onIssued?.(cp);
      }
    } catch (e) {
      hooks.onError(e);
    } finally {
      running = false;
    }
  };
  if (hooks.immediately) void tick();
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
