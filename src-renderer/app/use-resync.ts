import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useLinkStatus } from '../api/api-context.js';

/** Events sent while the link was down are lost: read everything again when it comes back. */
export function useResyncOnReconnect(): void {
  const status = useLinkStatus();
  const queryClient = useQueryClient();
  const wasDown = useRef(false);
  useEffect(() => {
    if (status.state !== 'open') {
      if (status.everConnected) wasDown.current = true;
      return;
    }
    if (wasDown.current) {
      wasDown.current = false;
      void queryClient.invalidateQueries();
    }
  }, [status, queryClient]);
}
