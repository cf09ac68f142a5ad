import { useEffect, useState } from 'react';
import { fetchCollectorStatus } from '../api/api-client';
import type { InstanceRole } from '../api/collector-types';

const RETRY_MS = 3_000;

/**
 * The role this instance runs as. It is fixed at server start, so it is read once (retrying
 * until the server answers). Today only the collector status carries it.
 */
export function useInstanceRole(): InstanceRole | undefined {
  const [role, setRole] = useState<InstanceRole | undefined>(undefined);
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const attempt = (): void => {
      fetchCollectorStatus(controller.signal).then(
        (s) => setRole(s.role),
        () => {
          if (!controller.signal.aborted) timer = setTimeout(attempt, RETRY_MS);
        },
      );
    };
    attempt();
    return () => {
      controller.abort();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, []);
  return role;
}
