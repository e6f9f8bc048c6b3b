import { ArgumentError, tf } from '@atelier/core';
import { expect, it } from 'vitest';
import { synthetic } from '../src/index.js';
import { FACADE_CLASSES, FACADE_PALETTE } from '../src/synthetic/facades.js';

const { facadeClassIds, facadeOpenings } = synthetic;
const id = (c: (typeof FACADE_CLASSES)[number]) => FACADE_CLASSES.indexOf(c);

it('finds each window and door region as its box, in reading order, and drops specks', () => {
  // 8x8 wall with a 2x3 window at (1, 1), a window pixel speck at (7, 0), a 2x2 door at
  // (5, 6) and a window touching the door below (4..5, 4..5): a separate region.
  const size = 8;
  const ids = new Int32Array(size * size).fill(id('wall'));
  const paint = (x0: number, y0: number, w: number, h: number, c: number) => {
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) ids[y * size + x] = c;
  };
  paint(1, 1, 2, 3, id('window'));
  paint(7, 0, 1, 1, id('window'));
  paint(5, 6, 2, 2, id('door'));
  paint(4, 4, 2, 2, id('window'));
  expect(facadeOpenings(ids, size)).toEqual([
    { kind: 'window', x0: 1 / 8, y0: 1 / 8, x1: 3 / 8, y1: 4 / 8 },
    { kind: 'window', x0: 4 / 8, y0: 4 / 8, x1: 6 / 8, y1: 6 / 8 },
    { kind: 'door', x0: 5 / 8, y0: 6 / 8, x1: 7 / 8, y1: 1 },
  ]);
  expect(facadeOpenings(ids, size, 1)).toHaveLength(4);
  expect(() => facadeOpenings(ids, 7)).toThrow(ArgumentError);
});

it('reads a label map by the nearest palette colour', () => {
  const colours = (['sky', 'window', 'door', 'wall'] as const).flatMap((c) =>
    FACADE_PALETTE[c].map((v) => v + 0.08),
  );
  expect(Array.from(facadeClassIds(colours, 2))).toEqual(
    ['sky', 'window', 'door', 'wall'].map((c) => id(c as never)),
  );
  expect(() => facadeClassIds([0, 0, 0], 2)).toThrow(/12/);
});

it("a synthetic facade's openings: one door, windows, each box mostly its class", async () => {
  const sample = (await synthetic.facades({ size: 128, count: 1, seed: 4 }).get(0))!;
  const ids = (await sample.labels.data()) as Int32Array;
  const colourIds = facadeClassIds(await tf.div(tf.add(sample.A, 1), 2).data(), 128);
  expect(colourIds).toEqual(ids);
  const openings = facadeOpenings(ids, 128);
  expect(openings.filter((o) => o.kind === 'door')).toHaveLength(1);
  expect(openings.filter((o) => o.kind === 'window').length).toBeGreaterThanOrEqual(3);
  for (const o of openings) {
    let hits = 0;
    let all = 0;
    for (let y = o.y0 * 128; y < o.y1 * 128; y++) {
      for (let x = o.x0 * 128; x < o.x1 * 128; x++) {
        all++;
        if (ids[y * 128 + x] === id(o.kind)) hits++;
      }
    }
    expect(hits / all, JSON.stringify(o)).toBeGreaterThan(0.7);
  }
  tf.dispose([sample.A, sample.B, sample.labels]);
});
