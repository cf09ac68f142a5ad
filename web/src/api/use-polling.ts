import { useEffect, useRef, useState } from 'react';
import { ApiError } from './api-client';

export interface PollState<T> {
  /** The last successful answer, kept while later requests fail so the screen does not go blank. */
  data: T | undefined;
  /** The failure of the latest request, undefined once a request succeeds again. */
  error: ApiError | undefined;
  /** Date.now() of the last successful answer. */
  receivedAt: number | undefined;
}

export interface PollOptions {
  intervalMs: number;
  /** Return false to stop polling after this failure (e.g. 403: the role will not change). */
  retryOn?: (e: ApiError) => boolean;
  enabled?: boolean;
}

/**
 * Polls `load` every `intervalMs`, never overlapping: the next request starts only after the
 * previous one settled, so a slow server is not buried under queued requests.
 */
export function usePolling<T>(load: (signal: AbortSignal) => Promise<T>, options: PollOptions): PollState<T> {
  const { intervalMs, enabled = true } = options;
  const [state, setState] = useState<PollState<T>>({ data: undefined, error: undefined, receivedAt: undefined });
  const loadRef = useRef(load);
  const retryRef = useRef(options.retryOn);
  useEffect(() => {
    loadRef.current = load;
    retryRef.current = options.retryOn;
  });

  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;

    const tick = async (): Promise<void> => {
      const startedAt = Date.now();
      try {
        const data = await loadRef.current(controller.signal);
        if (controller.signal.aborted) return;
        setState({ data, error: undefined, receivedAt: Date.now() });
      } catch (e) {
        if (controller.signal.aborted) return;
        const err = e instanceof ApiError ? e : new ApiError({ kind: 'invalid', detail: e instanceof Error ? e.message : String(e) });
        setState((prev) => ({ ...prev, error: err }));
        if (retryRef.current !== undefined && !retryRef.current(err)) return;
      }
      timer = setTimeout(() => void tick(), Math.max(0, intervalMs - (Date.now() - startedAt)));
    };
    void tick();

    return () => {
      controller.abort();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [intervalMs, enabled]);

  return state;
}
