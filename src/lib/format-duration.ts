/** `250 ms`, `1.46 s`, `1.5 s`, `60 s`: durations as they appear in devup's messages. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  return `${Number((ms / 1_000).toFixed(2))} s`;
}
