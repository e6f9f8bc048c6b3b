import { ArgumentError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import { synthetic } from '../src/index.js';
import { FACADE_CLASSES, FACADE_PALETTE } from '../src/synthetic/facades.js';
import { SHAPE_CLASSES, SHAPE_COLOUR_RGB, SHAPE_COLOURS } from '../src/synthetic/shapes.js';

type AnySet = (o: { seed?: number; size?: number; count?: number; range?: 'unit' | 'signed' }) => {
  get(i: number): Promise<unknown>;
  batch(n: number): AsyncIterable<unknown>;
};
const SETS = synthetic as unknown as Record<string, AnySet>;
const NAMES = ['facades', 'shapes', 'seasons', 'sketches', 'intrinsics', 'glyphs', 'textures'];

/** The tensors of a sample as { field: Float32Array }, and the sample disposed. */
async function arrays(sample: unknown): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(sample as Record<string, unknown>)) {
    if (v instanceof tf.Tensor) {
      out[k] = (await v.data()) as Float32Array;
      v.dispose();
    }
  }
  return out;
}

/** Gradient magnitude of a grey version of an HWC image. */
function gradient(rgb: Float32Array, S: number, C: number): Float32Array {
  const g = new Float32Array(S * S);
  const grey = (x: number, y: number) => {
    let s = 0;
    for (let k = 0; k < C; k++) s += rgb[(y * S + x) * C + k]!;
    return s / C;
  };
  for (let y = 0; y + 1 < S; y++) {
    for (let x = 0; x + 1 < S; x++) {
      const v = grey(x, y);
      g[y * S + x] = Math.abs(grey(x + 1, y) - v) + Math.abs(grey(x, y + 1) - v);
    }
  }
  return g;
}

function correlation(a: Float32Array, b: Float32Array): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i]! - ma) * (b[i]! - mb);
    aa += (a[i]! - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

describeBackends('synthetic datasets', () => {
  it('are deterministic: same seed, same bytes, in any order; another seed differs', async () => {
    for (const name of NAMES) {
      const make = (seed: number) => SETS[name]!({ seed, size: 24, count: 6 });
      const a = make(5);
      const b = make(5);
      const later = await arrays(await b.get(3));
      const first = await arrays(await b.get(0));
      expect(await arrays(await a.get(0)), name).toEqual(first);
      expect(await arrays(await a.get(3)), name).toEqual(later);
      expect(await arrays(await make(6).get(0)), name).not.toEqual(first);
    }
  });

  it('give [size, size, C] images in the requested range and leak nothing over an epoch', async () => {
    const before = tf.memory().numTensors;
    for (const name of NAMES) {
      let batches = 0;
      for await (const batch of SETS[name]!({ seed: 1, size: 20, count: 5, range: 'signed' }).batch(
        2,
      )) {
        for (const v of Object.values(batch as Record<string, unknown>)) {
          if (!(v instanceof tf.Tensor) || v.rank !== 4) continue;
          expect(v.shape.slice(1, 3), name).toEqual([20, 20]);
          const d = await v.data();
          expect(Math.min(...d), name).toBeGreaterThanOrEqual(-1);
          expect(Math.max(...d), name).toBeLessThanOrEqual(1);
        }
        batches++;
      }
      expect(batches, name).toBe(3);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('facades: A is the label map in palette colours, and each class has its own look in the photo', async () => {
    const ds = synthetic.facades({ seed: 3, size: 64, count: 4, range: 'unit' });
    const seen = new Set<number>();
    let correct = 0;
    let total = 0;
    for (let s = 0; s < 4; s++) {
      const { A, B, labels } = await arrays(await ds.get(s));
      const ids = labels as unknown as Int32Array;
      const sums = new Map<number, { n: number; c: [number, number, number] }>();
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i]!;
        seen.add(id);
        const pal = FACADE_PALETTE[FACADE_CLASSES[id]!];
        for (let k = 0; k < 3; k++) expect(A![i * 3 + k]).toBeCloseTo(pal[k]!, 5);
        const e = sums.get(id) ?? { n: 0, c: [0, 0, 0] as [number, number, number] };
        e.n++;
        for (let k = 0; k < 3; k++) e.c[k] = e.c[k]! + B![i * 3 + k]!;
        sums.set(id, e);
      }
      const centroids = [...sums].map(([id, e]) => ({ id, c: e.c.map((v) => v / e.n) }));
      // Each photo pixel is nearest to the mean colour of its own class.
      for (let i = 0; i < ids.length; i++) {
        let best = -1;
        let bestD = Number.POSITIVE_INFINITY;
        for (const { id, c } of centroids) {
          const d =
            (B![i * 3]! - c[0]!) ** 2 +
            (B![i * 3 + 1]! - c[1]!) ** 2 +
            (B![i * 3 + 2]! - c[2]!) ** 2;
          if (d < bestD) [best, bestD] = [id, d];
        }
        if (best === ids[i]) correct++;
        total++;
      }
      // Window pixels are window-coloured: mostly bluish glass (blue above red), which
      // no wall colour is, under any light (light scales the channels alike).
      let glassy = 0;
      let windows = 0;
      let bluishWall = 0;
      let walls = 0;
      for (let i = 0; i < ids.length; i++) {
        const bluish = B![i * 3 + 2]! > B![i * 3]!;
        if (FACADE_CLASSES[ids[i]!] === 'window')
          [windows, glassy] = [windows + 1, glassy + (bluish ? 1 : 0)];
        if (FACADE_CLASSES[ids[i]!] === 'wall')
          [walls, bluishWall] = [walls + 1, bluishWall + (bluish ? 1 : 0)];
      }
      expect(glassy / windows).toBeGreaterThan(0.5);
      expect(bluishWall / walls).toBeLessThan(0.05);
    }
    expect(correct / total).toBeGreaterThan(0.85);
    for (const name of ['sky', 'wall', 'window', 'door', 'cornice', 'roof'] as const) {
      expect(seen.has(FACADE_CLASSES.indexOf(name)), name).toBe(true);
    }
  });

  it('shapes: the caption names the label and colour, the object has that colour, edges lie on image edges', async () => {
    const ds = synthetic.shapes({ seed: 2, size: 48, count: 8, range: 'unit', twoObjectChance: 0 });
    const pattern = new RegExp(`^an? (${SHAPE_COLOURS.join('|')}) (${SHAPE_CLASSES.join('|')})$`);
    for (let s = 0; s < 8; s++) {
      const sample = await ds.get(s);
      const { caption, label, colour } = sample!;
      const m = caption.match(pattern);
      expect(m, caption).not.toBeNull();
      expect(m![1]).toBe(SHAPE_COLOURS[colour]);
      expect(m![2]).toBe(SHAPE_CLASSES[label]);
      const { image, edges } = await arrays(sample);
      // The most saturated pixels belong to the object: their hue is the caption's colour.
      const px: { sat: number; c: number[]; i: number }[] = [];
      for (let i = 0; i < 48 * 48; i++) {
        const c = [image![i * 3]!, image![i * 3 + 1]!, image![i * 3 + 2]!];
        px.push({ sat: Math.max(...c) - Math.min(...c), c, i });
      }
      px.sort((a, b) => b.sat - a.sat);
      const top = px.slice(0, 40);
      // ... and they lie around the object's centre, within its radius.
      const cx = top.reduce((t, p) => t + (p.i % 48) + 0.5, 0) / top.length / 48;
      const cy = top.reduce((t, p) => t + Math.floor(p.i / 48) + 0.5, 0) / top.length / 48;
      expect(Math.hypot(cx - sample!.x, cy - sample!.y), caption).toBeLessThan(sample!.radius);
      expect(sample!.radius).toBeGreaterThan(0.1);
      const mean = [0, 1, 2].map((k) => top.reduce((t, p) => t + p.c[k]!, 0) / top.length);
      const norm = (v: readonly number[]) => {
        const l = Math.hypot(...v);
        return v.map((x) => x / l);
      };
      const cos = SHAPE_COLOURS.map((name) => {
        const a = norm(SHAPE_COLOUR_RGB[name]);
        const b = norm(mean);
        return a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
      });
      expect(cos.indexOf(Math.max(...cos)), caption).toBe(colour);
      const g = gradient(image as Float32Array, 48, 3);
      let onEdge = 0;
      let nEdge = 0;
      let off = 0;
      let nOff = 0;
      for (let i = 0; i < g.length; i++) {
        if (edges![i]! < 0.5) [onEdge, nEdge] = [onEdge + g[i]!, nEdge + 1];
        else [off, nOff] = [off + g[i]!, nOff + 1];
      }
      expect(nEdge).toBeGreaterThan(20);
      expect(onEdge / nEdge).toBeGreaterThan((3 * off) / nOff);
    }
    const two = synthetic.shapes({ seed: 2, size: 32, count: 6, twoObjectChance: 1 });
    for (let s = 0; s < 6; s++) {
      const x = await two.get(s);
      expect(x!.caption).toMatch(/ (above|below|left of|right of) an? /);
      tf.dispose([x!.image, x!.edges]);
    }
  });

  it('seasons: A and B differ in palette, pairs are hidden, and the pairing is recoverable from content', async () => {
    const count = 6;
    const S = 48;
    const ds = synthetic.seasons({ seed: 4, size: S, count, range: 'unit' });
    expect([...ds.pairing].sort()).toEqual([...Array(count).keys()]);
    expect([...ds.pairing]).not.toEqual([...Array(count).keys()]);
    const A: Float32Array[] = [];
    const B: Float32Array[] = [];
    for (let i = 0; i < count; i++) {
      const x = await arrays(await ds.get(i));
      A.push(x.A as Float32Array);
      B.push(x.B as Float32Array);
    }
    const mean = (v: Float32Array) => v.reduce((s, t) => s + t, 0) / v.length;
    expect(mean(B.map(mean) as unknown as Float32Array)).toBeGreaterThan(
      mean(A.map(mean) as unknown as Float32Array) + 0.1,
    );
    // Structure (where the edges are) survives the change of season: match each A to
    // the B whose edges correlate best, and recover the hidden pairing exactly.
    const gA = A.map((a) => gradient(a, S, 3));
    const gB = B.map((b) => gradient(b, S, 3));
    for (let i = 0; i < count; i++) {
      const scores = gB.map((g) => correlation(gA[i]!, g));
      expect(scores.indexOf(Math.max(...scores)), `A[${i}]`).toBe(ds.pairing[i]);
    }
    // paired() shows the partner itself.
    const p = await arrays(await ds.paired().get(2));
    expect(p.B).toEqual(B[ds.pairing[2]!]);
    expect(p.A).toEqual(A[2]);
  });

  it('sketches: the rough sketch follows the clean lines, but is not them', async () => {
    const S = 64;
    const ds = synthetic.sketches({ seed: 5, size: S, count: 3, range: 'unit' });
    for (let s = 0; s < 3; s++) {
      const { A, B } = await arrays(await ds.get(s));
      let near = 0;
      let ink = 0;
      for (let y = 0; y < S; y++) {
        for (let x = 0; x < S; x++) {
          if (B![y * S + x]! > 0.5) continue;
          ink++;
          let dark = false;
          for (let dy = -3; dy <= 3 && !dark; dy++) {
            for (let dx = -3; dx <= 3 && !dark; dx++) {
              const yy = y + dy;
              const xx = x + dx;
              if (yy >= 0 && yy < S && xx >= 0 && xx < S && A![yy * S + xx]! < 0.7) dark = true;
            }
          }
          if (dark) near++;
        }
      }
      expect(ink).toBeGreaterThan(30);
      expect(near / ink).toBeGreaterThan(0.9);
      let differ = 0;
      for (let i = 0; i < S * S; i++) if (Math.abs(A![i]! - B![i]!) > 0.2) differ++;
      expect(differ).toBeGreaterThan(S);
    }
  });

  it('intrinsics: image = albedo x shading, albedo piecewise constant, shading smooth', async () => {
    const S = 32;
    const ds = synthetic.intrinsics({ seed: 6, size: S, count: 2, range: 'unit' });
    for (let s = 0; s < 2; s++) {
      const { image, albedo, shading } = await arrays(await ds.get(s));
      let worst = 0;
      let flat = 0;
      for (let i = 0; i < S * S; i++) {
        for (let k = 0; k < 3; k++)
          worst = Math.max(
            worst,
            Math.abs(image![i * 3 + k]! - albedo![i * 3 + k]! * shading![i]!),
          );
        if (i % S > 0 && albedo![i * 3] === albedo![(i - 1) * 3]) flat++;
        expect(shading![i]).toBeGreaterThanOrEqual(0);
        expect(shading![i]).toBeLessThanOrEqual(1);
      }
      expect(worst).toBeLessThan(1e-6);
      expect(flat / (S * S)).toBeGreaterThan(0.6);
      let jump = 0;
      for (let i = 1; i < S * S; i++)
        if (i % S > 0) jump = Math.max(jump, Math.abs(shading![i]! - shading![i - 1]!));
      expect(jump).toBeLessThan(0.3);
    }
  });

  it('glyphs: many classes, few samples, and a sample is nearest to its own class', async () => {
    const S = 32;
    const classes = 8;
    const ds = synthetic.glyphs({ seed: 7, size: S, count: classes * 4, classes, range: 'unit' });
    const images: Float32Array[] = [];
    const labels: number[] = [];
    for (let i = 0; i < classes * 4; i++) {
      const x = await ds.get(i);
      labels.push(x!.label);
      // Blur (3x3 box) so nearest neighbours compare shapes, not exact pixels.
      const d = (await arrays(x)).image as Float32Array;
      const b = new Float32Array(S * S);
      for (let y = 1; y + 1 < S; y++) {
        for (let xx = 1; xx + 1 < S; xx++) {
          let t = 0;
          for (let dy = -1; dy <= 1; dy++)
            for (let dx = -1; dx <= 1; dx++) t += d[(y + dy) * S + xx + dx]!;
          b[y * S + xx] = t / 9;
        }
      }
      images.push(b);
    }
    expect(labels).toEqual(labels.map((_, i) => i % classes));
    let right = 0;
    for (let i = 0; i < images.length; i++) {
      let best = -1;
      let bestD = Number.POSITIVE_INFINITY;
      for (let j = 0; j < images.length; j++) {
        if (j === i) continue;
        let d = 0;
        for (let p = 0; p < S * S; p++) d += (images[i]![p]! - images[j]![p]!) ** 2;
        if (d < bestD) [best, bestD] = [j, d];
      }
      if (labels[best] === labels[i]) right++;
    }
    // Chance is 3/31; a class's samples must resemble each other.
    expect(right / images.length).toBeGreaterThan(0.75);
  });

  it('textures: kinds cycle as asked', async () => {
    const ds = synthetic.textures({ seed: 8, size: 24, count: 4, kinds: ['voronoi', 'stripes'] });
    const names: string[] = [];
    for await (const x of ds) names.push(x.name);
    expect(names).toEqual(['voronoi', 'stripes', 'voronoi', 'stripes']);
  });

  it('refuse bad options with ArgumentError', () => {
    expect(() => synthetic.facades({ size: 3 })).toThrow(ArgumentError);
    expect(() => synthetic.shapes({ count: 0 })).toThrow(/count must be an integer >= 1, got 0/);
    expect(() => synthetic.glyphs({ seed: 1.5 })).toThrow(/seed must be an integer, got 1.5/);
    expect(() => synthetic.textures({ kinds: ['plaid' as 'noise'] })).toThrow(ArgumentError);
    expect(() => synthetic.sketches({ range: 'percent' as 'unit' })).toThrow(
      /range must be one of/,
    );
  });
});
