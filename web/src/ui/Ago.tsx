import { useTicking } from './clock';
import { formatAgo, formatDate } from './format';

/** "3 minutes ago", kept true as time passes (the page's one clock); the date itself on hover. */
export function Ago({ iso }: { iso: string | null }) {
  const text = useTicking((now) => formatAgo(iso, now));
  if (!iso) return <>{text}</>;
  return (
    <time dateTime={iso} title={formatDate(iso)}>
      {text}
    </time>
  );
}
