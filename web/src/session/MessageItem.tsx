import { useId, useLayoutEffect, useRef, useState } from 'react';
import type { Message } from '../api/types';
import { formatDate } from '../ui/format';
import { type Part, partsOf } from './message-parts';

const json = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value, null, 2));

/** Only data: images and this origin's load under the CSP (img-src 'self' data:); others are shown as a link. */
const loadable = (src: string): boolean => src.startsWith('data:image/') || src.startsWith('/');

function PartView({ part }: { part: Part }) {
  switch (part.kind) {
    case 'text':
      return <p className="text">{part.text}</p>;
    case 'image':
      if (!part.src) return <p className="muted">[image without a source]</p>;
      return loadable(part.src) ? (
        <img className="image" src={part.src} alt={part.alt} />
      ) : (
        <a href={part.src} target="_blank" rel="noreferrer noopener">
          image: {part.src}
        </a>
      );
    case 'tool-call':
      return (
        <div className="tool-call">
          <div className="tool-head">
            Tool call <code>{part.name}</code>
            {part.callId && <span className="muted"> · {part.callId}</span>}
          </div>
          <pre aria-label={`arguments of ${part.name}`}>{json(part.args)}</pre>
        </div>
      );
    case 'tool-result':
      return (
        <div className="tool-result">
          <div className="tool-head">
            Tool result{part.name && <code> {part.name}</code>}
            {part.callId && <span className="muted"> · {part.callId}</span>}
          </div>
          <pre>{json(part.output)}</pre>
        </div>
      );
    default:
      return <pre className="json">{json(part.value)}</pre>;
  }
}

/** `marked`: the message a link pointed at (a search result). `onFork`: "Fork from here", while `forking` is false. */
export function MessageItem({
  message,
  marked = false,
  onFork,
  forking = false,
}: {
  message: Message;
  marked?: boolean;
  onFork?: () => void;
  forking?: boolean;
}) {
  const { item, content, long, open, toggle } = useCollapsible();
  const bodyId = useId();
  return (
    <li
      className={`message role-${message.role}${marked ? ' marked' : ''}`}
      data-seq={message.seq}
      ref={item}
      aria-current={marked ? 'true' : undefined}
    >
      <div className="message-head">
        <span className="role">{message.role}</span>
        <span className="muted">
          #{message.seq} · <time dateTime={message.createdAt}>{formatDate(message.createdAt)}</time>
          {onFork && (
            <button
              type="button"
              className="quiet fork"
              disabled={forking}
              onClick={onFork}
              title={`A new session with messages 1–${message.seq}`}
            >
              {forking ? 'Forking…' : 'Fork from here'}
            </button>
          )}
        </span>
      </div>
      <div id={bodyId} className={long && !open ? 'message-body collapsed' : 'message-body'}>
        <div className="message-content" ref={content}>
          {partsOf(message.content).map((part, index) => (
            <PartView key={index} part={part} />
          ))}
        </div>
      </div>
      {long && (
        <button type="button" className="quiet toggle" aria-expanded={open} aria-controls={bodyId} onClick={toggle}>
          {open ? 'Show less' : 'Show more'}
        </button>
      )}
    </li>
  );
}

// A message taller than this is cut to `.message-body.collapsed` (15rem, styles.css) with "Show
// more"; one only a little taller than the cut is shown whole, as hiding a few lines saves nothing.
const LONG_PX = 360;

/**
 * Whether the message is long, by its rendered height (text, JSON, images alike), measured again
 * when it changes size (a narrower window, an image that loaded).
 */
function useCollapsible() {
  const item = useRef<HTMLLIElement>(null);
  const content = useRef<HTMLDivElement>(null);
  const [long, setLong] = useState(false);
  const [open, setOpen] = useState(false);
  useLayoutEffect(() => {
    const element = content.current;
    if (!element) return;
    const measure = () => setLong(element.offsetHeight > LONG_PX);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const toggle = () => {
    setOpen(!open);
    // Closing a message read to its end: its top comes back into view rather than the page jumping past it.
    const top = item.current?.getBoundingClientRect().top ?? 0;
    if (open && top < 0) item.current?.scrollIntoView({ block: 'start' });
  };
  return { item, content, long, open, toggle };
}
