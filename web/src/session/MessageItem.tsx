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

export function MessageItem({ message }: { message: Message }) {
  return (
    <li className={`message role-${message.role}`} data-seq={message.seq}>
      <div className="message-head">
        <span className="role">{message.role}</span>
        <span className="muted">
          #{message.seq} · <time dateTime={message.createdAt}>{formatDate(message.createdAt)}</time>
        </span>
      </div>
      {partsOf(message.content).map((part, index) => (
        <PartView key={index} part={part} />
      ))}
    </li>
  );
}
