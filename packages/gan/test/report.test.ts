import { describe, expect, it } from 'vitest';
import { formatDuration, lineChart, renderReport } from '../src/index.js';
import { downsample, niceTicks } from '../src/trainer/loss-chart.js';

describe('report', () => {
  it('charts: one polyline a series, bucket means, round ticks', () => {
    const svg = lineChart(
      [
        {
          name: 'G',
          points: [
            [1, 2],
            [2, 1],
            [3, 0.5],
          ],
        },
        {
          name: 'D<x>',
          points: [
            [1, 0.7],
            [3, 0.6],
          ],
        },
      ],
      { title: 'losses' },
    );
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('D&#60;x&#62;');
    expect(
      downsample(
        [
          [0, 0],
          [1, 2],
          [2, 4],
          [3, 6],
        ],
        2,
      ),
    ).toEqual([
      [0.5, 1],
      [2.5, 5],
    ]);
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 117)).toEqual([25, 50, 75, 100]);
    expect(lineChart([], { title: 'empty' })).toContain('no values yet');
    // A constant series is drawn around its value (a learning rate of 0.002, not 0).
    expect(
      lineChart(
        [
          {
            name: 'lr',
            points: [
              [1, 0.002],
              [9, 0.002],
            ],
          },
        ],
        { title: 'lr' },
      ),
    ).toContain('>0.002<');
  });

  it('the page: escaped, self-contained, reloading only while the run is live', () => {
    const input = {
      harness: 'pix2pix',
      step: 5,
      totalSteps: 10,
      checkpointStep: 4,
      groups: { G: ['G_GAN'], D: ['D_real'] },
      metrics: [1, 2, 3, 4, 5].map((step) => ({
        step,
        epoch: 0,
        elapsed: step,
        lr: { G: 2e-4 },
        losses: { G_GAN: 1 / step, D_real: 0.5, extra: 1 },
      })),
      samples: [
        { step: 0, file: 'samples/step-0.png' },
        { step: 5, file: 'samples/step-5.png' },
      ],
      config: { note: '</pre><script>alert(1)</script>' },
      columns: ['input', 'output', 'target'],
      updated: '2026-01-01T00:00:00Z',
    };
    const running = renderReport({ ...input, status: 'running' });
    expect(running).toContain('http-equiv="refresh"');
    expect(running).not.toContain('<script>');
    expect(running).toContain('&#60;script&#62;');
    // One chart per optimizer, one for terms logged elsewhere, one for the rates.
    expect(running.match(/<svg/g)).toHaveLength(4);
    expect(running).toContain('samples/step-5.png');
    expect(running).toContain('checkpoint at step 4');
    const done = renderReport({ ...input, status: 'finished' });
    expect(done).not.toContain('http-equiv="refresh"');
  });

  it('durations', () => {
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(undefined)).toBe('--:--');
  });
});
