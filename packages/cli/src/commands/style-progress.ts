/** Numbers of a progress line: 3 significant digits, exponents for the very large or small. */
export function formatNumber(value: number): string {
  const a = Math.abs(value);
  if (!Number.isFinite(value)) return String(value);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? value.toExponential(2) : value.toPrecision(3);
}

export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

export interface StyleProgressLine {
  done: number;
  total: number;
  /** What is counted: 'it' (iterations), 'step', 'frame'. */
  unit: string;
  /** Label before the bar (e.g. 'frame 3/10'). */
  label?: string;
  terms: Record<string, number>;
}

/**
 * The style commands' progress bar on stderr, e.g.
 * `[#######.................] 120/500 24% 3.4 it/s ETA 1:52 content 0.121 style 3.4e-2`:
 * redrawn in place on a terminal, a plain line at most every `intervalMs` elsewhere.
 */
export function styleProgress(stream: NodeJS.WriteStream = process.stderr, intervalMs = 10_000) {
  const tty = stream.isTTY === true;
  const started = Date.now();
  let last = 0;
  let firstDone: number | undefined;
  return {
    update(p: StyleProgressLine): void {
      const width = 24;
      const fraction = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
      const filled = Math.round(fraction * width);
      firstDone ??= p.done - 1;
      const elapsed = (Date.now() - started) / 1000;
      const rate = elapsed > 0 ? (p.done - firstDone) / elapsed : 0;
      const eta = rate > 0 ? (p.total - p.done) / rate : Number.POSITIVE_INFINITY;
      const terms = Object.entries(p.terms)
        .filter(([, v]) => Number.isFinite(v))
        .map(([k, v]) => `${k} ${formatNumber(v)}`)
        .join(' ');
      const line = `${p.label ? `${p.label} ` : ''}[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} ${(fraction * 100).toFixed(0)}% ${rate > 0 ? rate.toPrecision(2) : '--'} ${p.unit}/s ETA ${formatSeconds(eta)}${terms ? ` ${terms}` : ''}`;
      if (tty) {
        stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 120) - 1)}`);
        return;
      }
      const now = Date.now();
      if (now - last < intervalMs && p.done !== p.total) return;
      last = now;
      stream.write(`${line}\n`);
    },
    done(): void {
      if (tty) stream.write('\n');
    },
  };
}
