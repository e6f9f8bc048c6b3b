import { readFileSync } from 'node:fs';
import { ArgumentError, tf } from '@atelier/core';
import { Dataset } from '@atelier/datasets';
import { describe, expect, it } from 'vitest';
import {
  createHarness,
  HARNESS_NAMES,
  HARNESSES,
  type HarnessData,
  harnessData,
  harnessDescriptor,
} from '../src/index.js';

/** Options and what they resolved to before a harness became one file (config.json). */
const before = JSON.parse(
  readFileSync(new URL('./fixtures/resolved-options.json', import.meta.url), 'utf8'),
) as Record<string, { options: Record<string, unknown>; resolved: unknown }[]>;

/** The smallest options each harness needs. */
const MINIMAL: Record<string, Record<string, unknown>> = { cgan: { numClasses: 2 } };

describe('the harness table', () => {
  it('resolves every harness option as before, key for key (old run folders resume)', () => {
    for (const [name, cases] of Object.entries(before)) {
      for (const c of cases) {
        expect(JSON.stringify(harnessDescriptor(name).resolve(c.options)), name).toBe(
          JSON.stringify(c.resolved),
        );
      }
    }
  });

  it('names each row by its harness, and each harness records its resolved options', () => {
    /** Small options of the harnesses this test builds. */
    const SMALL: Record<string, Record<string, unknown>> = {
      gan: { size: 32, ngf: 2, ndf: 2 },
      cgan: { numClasses: 2, size: 32, ngf: 2, ndf: 2 },
      pix2pix: { netG: 'unet_32', ngf: 2, ndf: 2 },
      cyclegan: { netG: 'resnet_6blocks', size: 32, ngf: 2, ndf: 2 },
      bicyclegan: {
        netG: 'unet_32',
        netE: 'resnet_32',
        netD: 'basic_128_multi',
        ngf: 2,
        ndf: 2,
        nef: 2,
      },
      frankengan: { size: 32, ngf: 2, ndf: 2, nef: 2 },
    };
    for (const name of HARNESS_NAMES) {
      const d = HARNESSES[name];
      expect(d.name).toBe(name);
      const options = SMALL[name];
      if (!options) continue;
      const h = createHarness(name, options as never);
      expect(h.name).toBe(name);
      expect(h.config).toEqual(d.resolve(options as never));
      h.dispose();
    }
  });

  it('every flag sets an option its harness knows; shared flags agree', () => {
    const seen = new Map<string, string>();
    for (const name of HARNESS_NAMES) {
      const d = HARNESSES[name];
      for (const [flag, spec] of Object.entries(d.flags)) {
        expect(spec.help.length, `--${flag} of ${name} has help`).toBeGreaterThan(3);
        // A value no option takes: refused for its value, never as an unknown option.
        const resolve = () =>
          d.resolve({ ...MINIMAL[name], [spec.option]: Symbol('bad') } as never);
        expect(resolve, `--${flag} of ${name}`).toThrow(ArgumentError);
        expect(resolve, `--${flag} of ${name}`).not.toThrow(/unknown option/);
        const key = `${spec.option} ${spec.kind}`;
        expect(seen.get(flag) ?? key, `--${flag}`).toBe(key);
        seen.set(flag, key);
      }
    }
  });

  it("takes its default data and refuses another harness's synthetic set", async () => {
    for (const name of HARNESS_NAMES) {
      const d = HARNESSES[name];
      expect(Object.keys(d.data.synthetic)).toContain(d.data.default.replace('synthetic:', ''));
      const data = await harnessData(name, { size: 32, count: 2 });
      expect(data.dataset.size).toBe(2);
    }
    await expect(harnessData('cyclegan', { data: 'synthetic:facades', size: 32 })).rejects.toThrow(
      /no synthetic set 'facades' for cyclegan; choose one of synthetic:seasons/,
    );
    expect(() => harnessDescriptor('stylegan')).toThrow(ArgumentError);
  });

  it('fills what the data decides: channels, size, classes', async () => {
    const shapes = await harnessData('pix2pix', { data: 'synthetic:shapes', size: 64, count: 2 });
    const p: Record<string, unknown> = {};
    HARNESSES.pix2pix.fromData(p, shapes, 64);
    expect(p).toEqual({ inChannels: 1, outChannels: 3, netG: 'unet_64' });
    const odd: Record<string, unknown> = { netG: 'resnet_6blocks' };
    HARNESSES.pix2pix.fromData(odd, shapes, 48);
    expect(odd.netG).toBe('resnet_6blocks');
    const c: Record<string, unknown> = {};
    HARNESSES.cgan.fromData(c, await harnessData('cgan', { size: 32, count: 2 }), 32);
    expect(c).toMatchObject({ size: 32, channels: 3, numClasses: 4 });
    const unlabelled: HarnessData = {
      dataset: Dataset.indexed(1, () => ({ image: tf.zeros([32, 32, 3]) })),
      description: { source: 'somewhere' },
      channels: { image: 3 },
    };
    expect(() => HARNESSES.cgan.fromData({}, unlabelled, 32)).toThrow(/cgan needs labelled data/);
  });
});
