/** Read options of {@link rememberReads}. */
export interface RememberReadsOptions {
  /** How long a read is reused: the longest a change in the database goes unseen by this process. */
  ttlMs: number;
  now?: () => number;
  /** Keys remembered at most; past it the memory starts again (and simply reads again). Default 10,000. */
  maxKeys?: number;
}

/** A read wrapped by {@link rememberReads}. */
export interface RememberedRead<V> {
  (key: string): Promise<V>;
  /**
   * Forgets the key's reading (one in flight too): the next call reads again. For a change made by this process,
   * which it should see at once instead of up to `ttlMs` later.
   */
  forget(key: string): void;
}

/**
 * Wraps a per-key read from the database so that each process reads a key at most once per `ttlMs`: the requests of
 * that window, and those that arrive while it is read, share one read. A failed read is not remembered. For what
 * requests read on every call and that changes rarely (a company's webhook secret, its policies), so that a burst of
 * requests costs one read a second instead of one per request.
 */
export function rememberReads<V>(read: (key: string) => Promise<V>, options: RememberReadsOptions): RememberedRead<V> {
  const { ttlMs } = options;
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? 10_000;
  const remembered = new Map<string, { at: number; value: Promise<V> }>();
  const remembering = async (key: string): Promise<V> => {
    const at = now();
    let entry = remembered.get(key);
    if (entry === undefined || at - entry.at >= ttlMs) {
      if (remembered.size >= maxKeys) remembered.clear();
      entry = { at, value: read(key) };
      remembered.set(key, entry);
    }
    try {
      return await entry.value;
    } catch (err) {
      if (remembered.get(key) === entry) remembered.delete(key);
      throw err;
    }
  };
  return Object.assign(remembering, { forget: (key: string) => void remembered.delete(key) });
}
