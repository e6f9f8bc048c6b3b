import { readFileSync } from 'node:fs';
import { ArgumentError } from '@atelier/core';
import { describe, expect, it } from 'vitest';
import { createSchedule, type ScheduleSpec } from '../src/index.js';

// Rates epoch by epoch from PyTorch's schedulers as junyanz configures them
// (tools/parity/gan_schedules.py).
const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/schedules.json', import.meta.url), 'utf8'),
);

function rates(spec: ScheduleSpec, metric?: number[]): number[] {
  const schedule = createSchedule(spec);
  const out: number[] = [];
  for (let e = 0; e < fixture.epochs; e++) {
    out.push(fixture.base * schedule.factor());
    schedule.endEpoch(metric?.[e]);
  }
  return out;
}

function expectClose(actual: number[], expected: number[]) {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    expect(Math.abs(a - expected[i]!), `epoch ${i}: ${a} vs ${expected[i]}`).toBeLessThan(1e-15);
  });
}

describe('learning-rate schedules against PyTorch', () => {
  it('linear (junyanz lambda rule), with and without epoch_count', () => {
    expectClose(rates({ kind: 'linear', ...fixture.linear.options }), fixture.linear.rates);
    expectClose(
      rates({ kind: 'linear', ...fixture.linear_epoch_count.options }),
      fixture.linear_epoch_count.rates,
    );
  });

  it('step (StepLR)', () => {
    expectClose(rates({ kind: 'step', ...fixture.step.options }), fixture.step.rates);
  });

  it('plateau (ReduceLROnPlateau, relative threshold)', () => {
    const r = rates({ kind: 'plateau', ...fixture.plateau.options }, fixture.metric);
    expectClose(r, fixture.plateau.rates);
    // The fixture does reduce (twice at least), so the test can fail.
    expect(new Set(r).size).toBeGreaterThanOrEqual(3);
  });

  it('cosine (CosineAnnealingLR)', () => {
    expectClose(rates({ kind: 'cosine', ...fixture.cosine.options }), fixture.cosine.rates);
  });

  it('resumes from state() exactly, plateau included', () => {
    for (const spec of [
      { kind: 'linear', ...fixture.linear.options },
      { kind: 'plateau', ...fixture.plateau.options },
      { kind: 'cosine', ...fixture.cosine.options },
    ] as ScheduleSpec[]) {
      const full = rates(spec, fixture.metric);
      const first = createSchedule(spec);
      for (let e = 0; e < 17; e++) first.endEpoch(fixture.metric[e]);
      const saved = JSON.parse(JSON.stringify(first.state()));
      const resumed = createSchedule(spec);
      resumed.setState(saved);
      const rest: number[] = [];
      for (let e = 17; e < fixture.epochs; e++) {
        rest.push(fixture.base * resumed.factor());
        resumed.endEpoch(fixture.metric[e]);
      }
      expect(rest).toEqual(full.slice(17));
    }
  });

  it('rejects bad options and foreign states with typed errors', () => {
    expect(() => createSchedule({ kind: 'warp' } as never)).toThrow(ArgumentError);
    expect(() => createSchedule({ kind: 'step', stepSize: 0 })).toThrow(/stepSize/);
    expect(() => createSchedule({ kind: 'linear', nEpochs: -1 })).toThrow(ArgumentError);
    const linear = createSchedule({ kind: 'linear' });
    expect(() => linear.setState(createSchedule({ kind: 'step' }).state())).toThrow(/'linear'/);
  });
});
