/** The seqs of answered messages, in order. */
export const seqs = (items: Array<{ seq: number }>) => items.map((m) => m.seq);

/** `n` user messages whose content is `prefix` and their index. */
export const texts = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => ({ role: 'user', content: `${prefix}${i}` }));
