import { useEffect, useState } from 'react';
import { useSigned } from '../app/context';

const LABEL = {
  connecting: 'Connecting to live updates…',
  open: 'Live',
  reconnecting: 'Live updates dropped: reconnecting…',
  unavailable: 'Live updates unavailable: retrying…',
};

/** Whether the events stream is up: views are live only while it is. */
export function StreamStatus() {
  const { events } = useSigned();
  const [state, setState] = useState(events.state);
  useEffect(() => events.onState(setState), [events]);
  return (
    <span className={`stream stream-${state}`} role="status" aria-live="polite" data-stream={state}>
      {LABEL[state]}
    </span>
  );
}
