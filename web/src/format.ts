/** Small formatting helpers shared by the pages. */

/** The CSS class of a session state: the colour of its edge and cell. */
export function stateClass(state: string): string {
  if (state === 'Established') return 'established';
  if (state === 'Idle') return 'down';
  return 'connecting';
}

/** `3 h 12 min`, `45 s`: how long since `since` (ms since the epoch). */
export function duration(since: number | undefined, now: number): string {
  if (since === undefined) return '—';
  const seconds = Math.max(0, Math.round((now - since) / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function time(at: number): string {
  return new Date(at).toLocaleTimeString();
}

export function count(value: number): string {
  return value.toLocaleString('en-US');
}

/** The last segment of an ARM id: its name. */
export function nameOf(id: string): string {
  return id.split('/').pop() ?? id;
}
