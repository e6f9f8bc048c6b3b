import { formatDuration, type TrainProgress } from '@atelier/gan';

function formatLoss(value: number): string {
  const a = Math.abs(value);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? value.toExponential(2) : value.toPrecision(3);
}

/**
 * One line of training progress: a bar, steps, rate, ETA and the latest losses, e.g.
 * `[######......] 120/1000 12% 3.4 step/s ETA 4:18 G_GAN 0.712 G_L1 0.121`.
 */
export function formatProgress(p: TrainProgress, width = 24): string {
  const fraction = p.totalSteps > 0 ? Math.min(1, p.step / p.totalSteps) : 0;
  const filled = Math.round(fraction * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const rate =
    p.stepsPerSecond > 0
      ? `${p.stepsPerSecond >= 10 ? p.stepsPerSecond.toFixed(0) : p.stepsPerSecond.toPrecision(2)} step/s`
      : '-- step/s';
  const losses = Object.entries(p.losses)
    .map(([k, v]) => `${k} ${formatLoss(v)}`)
    .join(' ');
  return `${bar} ${p.step}/${p.totalSteps} ${(fraction * 100).toFixed(0)}% ${rate} ETA ${formatDuration(p.etaSeconds)}${losses ? ` ${losses}` : ''}`;
}

/**
 * Draws progress on stderr: redrawn in place on a terminal; elsewhere (a log file, CI)
 * a plain line at most every `intervalMs`, so logs stay short.
 */
export function progressPrinter(stream: NodeJS.WriteStream = process.stderr, intervalMs = 10_000) {
  let last = 0;
  let previous = '';
  const tty = stream.isTTY === true;
  return {
    update(p: TrainProgress) {
      const line = formatProgress(p);
      if (tty) {
        const columns = stream.columns ?? 120;
        stream.write(`\r\x1b[2K${line.slice(0, columns - 1)}`);
        return;
      }
      const now = Date.now();
      if (p.phase === 'checkpoint') return;
      if (p.phase === 'step' && now - last < intervalMs && p.step !== p.totalSteps) return;
      if (line === previous) return;
      last = now;
      previous = line;
      stream.write(`${line}\n`);
    },
    done() {
      if (tty) stream.write('\n');
    },
  };
}
