import type { QueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { ME_KEY } from './session';

export type ChangeTopic = 'alert' | 'request' | 'scan' | 'inventory' | 'device';

/** A change as the server's stream tells it (GET /changes/stream): its id, its topic, and what it says. */
export interface LiveChange {
  id: string;
  topic: ChangeTopic;
  [field: string]: unknown;
}

const STREAM = '/api/v1/changes/stream';
// Changes are handed on in batches this far apart: a burst (the morning's sweep raising a thousand review
// alerts) then costs each open list one read and each listening component one render, not one per change.
const BATCH_MS = 50;
// After the stream failed for good (the server restarting, a network cut): a new one, from the last id seen.
const REOPEN_MS = 3000;

// What each kind of change makes out of date: the pages showing it read again (only those open now).
const STALE: Record<ChangeTopic, string[][]> = {
  alert: [['alerts'], ['waiting'], ['lockers'], ['item']],
  request: [['requests'], ['waiting'], ['items'], ['item'], ['cases']],
  scan: [['items'], ['item'], ['lockers']],
  inventory: [['audits']],
  device: [['devices'], ['lockers']],
};

type Listener = (change: LiveChange) => void;
const listeners = new Set<Listener>();
const statusListeners = new Set<() => void>();
let connected = false;

function setConnected(now: boolean) {
  if (connected === now) return;
  connected = now;
  statusListeners.forEach((listener) => listener());
}

/**
 * Opens the signed-in user's change stream and keeps it open: the browser's EventSource reconnects by itself
 * with the last id it saw, and the server replays what was missed; a stream refused or cut for good is opened
 * again after a pause, from the same id. Returns the function that closes it.
 */
export function openLive(queryClient: QueryClient): () => void {
  let source: EventSource | null = null;
  let lastId: string | undefined;
  let reopen: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let pending: LiveChange[] = [];
  let flush: ReturnType<typeof setTimeout> | undefined;

  const handOn = () => {
    flush = undefined;
    const batch = pending;
    pending = [];
    const stale = new Map(batch.flatMap((change) => STALE[change.topic] ?? []).map((key) => [key.join('/'), key]));
    for (const queryKey of stale.values()) void queryClient.invalidateQueries({ queryKey });
    // Within one task, React draws what every listener set once.
    for (const change of batch) listeners.forEach((listener) => listener(change));
  };

  const open = () => {
    source = new EventSource(lastId ? `${STREAM}?after=${encodeURIComponent(lastId)}` : STREAM);
    source.addEventListener('open', () => setConnected(true));
    source.addEventListener('ready', (event) => (lastId = (event as MessageEvent).lastEventId || lastId));
    source.addEventListener('reset', (event) => {
      lastId = (event as MessageEvent).lastEventId || lastId;
      // What was missed is no longer kept: everything shown is read again.
      void queryClient.invalidateQueries();
    });
    source.addEventListener('change', (event) => {
      const message = event as MessageEvent<string>;
      lastId = message.lastEventId;
      pending.push({ ...(JSON.parse(message.data) as LiveChange), id: message.lastEventId });
      flush ??= setTimeout(handOn, BATCH_MS);
    });
    source.addEventListener('end', (event) => {
      const { reason } = JSON.parse((event as MessageEvent<string>).data) as { reason: string };
      if (reason !== 'signed-out' && reason !== 'expired') return;
      // Not reconnected: asking who is signed in finds the session gone and returns to the sign-in page.
      source?.close();
      setConnected(false);
      void queryClient.invalidateQueries({ queryKey: ME_KEY });
    });
    source.addEventListener('error', () => {
      setConnected(false);
      if (source?.readyState !== EventSource.CLOSED || closed) return;
      reopen = setTimeout(open, REOPEN_MS);
    });
  };
  open();
  return () => {
    closed = true;
    clearTimeout(reopen);
    clearTimeout(flush);
    source?.close();
    setConnected(false);
  };
}

/** Calls `listener` with every change told from now on, while the component is mounted. */
export function useLiveChanges(listener: Listener): void {
  const latest = useRef(listener);
  useEffect(() => {
    latest.current = listener;
  });
  useEffect(() => {
    const call: Listener = (change) => latest.current(change);
    listeners.add(call);
    return () => void listeners.delete(call);
  }, []);
}

/** Whether the change stream is connected: pages that depend on it can say when they are not live. */
export function useLiveConnected(): boolean {
  return useSyncExternalStore(
    (onChange) => {
      statusListeners.add(onChange);
      return () => void statusListeners.delete(onChange);
    },
    () => connected,
  );
}
