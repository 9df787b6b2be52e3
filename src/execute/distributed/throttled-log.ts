/**
 * A log that says each distinct line at most once per interval: while Redis is down, connection errors and
 * paused reconciliations repeat many times a second, and one line per kind of trouble is enough.
 */
export function throttledLog(log: (line: string) => void, intervalMs = 30_000): (line: string) => void {
  const last = new Map<string, number>();
  return (line: string) => {
    const now = Date.now();
    const previous = last.get(line);
    if (previous !== undefined && now - previous < intervalMs) return;
    last.set(line, now);
    if (last.size > 1000) last.clear();
    log(line);
  };
}
