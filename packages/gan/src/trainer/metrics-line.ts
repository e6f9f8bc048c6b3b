/** One line of metrics.jsonl: the logged losses of a step and the rates it ran with. */
export interface MetricsLine {
  step: number;
  epoch: number;
  /** Seconds since the run (first) started, across resumes. */
  elapsed: number;
  /** Learning rate of each optimizer. */
  lr: Record<string, number>;
  /** Logged terms of the step, by name. */
  losses: Record<string, number>;
}

/** Parses metrics.jsonl text; lines that do not parse (a torn last line) are dropped. */
export function parseMetrics(text: string): MetricsLine[] {
  const out: MetricsLine[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value = JSON.parse(line) as MetricsLine;
      if (Number.isSafeInteger(value.step) && typeof value.losses === 'object') out.push(value);
    } catch {
      // A line cut by a kill mid-write: the resumed run writes it again.
    }
  }
  return out;
}

export function formatMetricsLine(line: MetricsLine): string {
  return `${JSON.stringify(line)}\n`;
}
