/** Timestamps as the study database stores them. */

/** Current time as ISO 8601 with milliseconds, UTC. */
export function nowIso(): string {
  return new Date().toISOString();
}
