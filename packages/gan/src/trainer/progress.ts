/** What the trainer reports after every step (and at the start and end of a run). */
export interface TrainProgress {
  phase: 'start' | 'step' | 'checkpoint' | 'done' | 'interrupted';
  step: number;
  totalSteps: number;
  epoch: number;
  /** Steps a second over the recent steps (0 until known). */
  stepsPerSecond: number;
  /** Seconds to the end at that rate (undefined until known). */
  etaSeconds: number | undefined;
  /** The most recently logged value of each term. */
  losses: Record<string, number>;
  lr: Record<string, number>;
  /** The run folder, when there is one. */
  out: string | undefined;
}

/** Steps a second over a sliding window of recent step times. */
export class StepRate {
  readonly #times: number[] = [];

  constructor(private readonly window = 20) {}

  /** Records the end of a step at `now` (ms). */
  tick(now: number): void {
    this.#times.push(now);
    if (this.#times.length > this.window + 1) this.#times.shift();
  }

  /** Forgets the time spent since the last step (a pause for checkpoints or samples). */
  resetClock(now: number): void {
    if (this.#times.length > 0) this.#times[this.#times.length - 1] = now;
  }

  get perSecond(): number {
    const t = this.#times;
    if (t.length < 2) return 0;
    const span = t[t.length - 1]! - t[0]!;
    return span > 0 ? ((t.length - 1) * 1000) / span : 0;
  }
}

/** 75 -> '1:15', 3725 -> '1:02:05'. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
}
