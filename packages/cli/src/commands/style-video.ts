import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { init, shutdown, writeImage } from '@atelier/core';
import {
  folderFrameStore,
  loadTransformer,
  type StylizeVideoOptions,
  stylizeVideo,
  type VideoStep,
} from '@atelier/style';
import { UsageError } from '../errors.js';
import { parse } from './command.js';
import { backendFlag, choiceFlag, intFlag, listFlag, numberFlag } from './flags.js';
import { featureNetwork, readRgb } from './style-args.js';
import { styleProgress } from './style-progress.js';

export const styleVideoUsage =
  'atelier style video --frames DIR --out DIR (--style s.png | --model m.safetensors) [--flow DIR (backward_t_s.flo, forward_s_t.flo)] ' +
  '[--long-term 1,10,20,40] [--passes 15] [--temporal-from N] [--blend-weight W] [--resume] ' +
  '[--size N] [--iterations N] [--first-iterations N] [--temporal-weight X] [--smoothing A] [--vgg w.safetensors] ' +
  '[--preserve-colors luminance|histogram|original] [--backend ...] [--seed N]';

const FLAGS = {
  frames: { type: 'string' },
  out: { type: 'string' },
  flow: { type: 'string' },
  style: { type: 'string' },
  model: { type: 'string' },
  vgg: { type: 'string' },
  size: { type: 'string' },
  iterations: { type: 'string' },
  'first-iterations': { type: 'string' },
  'temporal-weight': { type: 'string' },
  smoothing: { type: 'string' },
  'style-weight': { type: 'string' },
  'content-weight': { type: 'string' },
  'preserve-colors': { type: 'string' },
  'long-term': { type: 'string' },
  passes: { type: 'string' },
  'temporal-from': { type: 'string' },
  'blend-weight': { type: 'string' },
  resume: { type: 'boolean' },
  backend: { type: 'string' },
  seed: { type: 'string' },
} as const;

type Values = Record<string, string | boolean | undefined>;

/** The run's settings file in the output folder: a resumed run must match it. */
const RUN_FILE = 'video-run.json';

/** `atelier style video`: a folder of frames to a folder of stylised frames. */
export async function styleVideoCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, FLAGS);
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const v = values as Values;
  const frames = v.frames as string | undefined;
  const out = v.out as string | undefined;
  if (!frames)
    throw new UsageError('--frames DIR is required (numbered images: frame_0001.png, ...)');
  if (!out) throw new UsageError('--out DIR is required');
  const model = v.model as string | undefined;
  const stylePath = v.style as string | undefined;
  if (!model && !stylePath)
    throw new UsageError(
      'give --style s.png (optimisation) or --model m.safetensors (feed-forward)',
    );
  if (model && stylePath) throw new UsageError('give --style or --model, not both');
  if (model && (v.passes || v['long-term'] || v.resume))
    throw new UsageError('--passes, --long-term and --resume are for --style (optimisation)');
  const seed = intFlag('seed', v.seed, 0) ?? 0;
  const options = videoOptions(v);
  await init({ backend: backendFlag(v.backend) });
  await mkdir(out, { recursive: true });
  if (!model) await checkRun(out, { frames, flow: v.flow, style: stylePath, seed, ...options }, v);
  const net = model ? await loadTransformer(model) : undefined;
  const network = net
    ? undefined
    : await featureNetwork({ ...(v.vgg ? { vgg: v.vgg as string } : {}), seed });
  const style = stylePath ? await readRgb(stylePath) : undefined;
  const bar = styleProgress();
  try {
    const result = await stylizeVideo(frames, {
      ...(v.flow ? { flowDir: v.flow as string } : {}),
      styles: style ? [{ image: style }] : [],
      ...(net ? { model: net } : {}),
      ...(network
        ? { network, store: folderFrameStore(out, { passes: options.passes ?? 1 }) }
        : {}),
      resume: v.resume === true,
      seed,
      ...options,
      onStep: (step) => showStep(bar, step),
      ...(net
        ? {
            onFrame: ({ index, image }) =>
              writeImage(join(out, `frame_${String(index + 1).padStart(4, '0')}.png`), image),
          }
        : {}),
    });
    bar.done();
    const passes = options.passes ?? 1;
    process.stderr.write(
      `atelier style video: wrote ${result.frames} frames to ${out}${passes > 1 ? ` (${passes} passes; earlier passes in ${join(out, 'passes')})` : ''}\n`,
    );
  } finally {
    style?.dispose();
    net?.dispose();
    network?.dispose();
    await shutdown();
  }
}

/** Progress per pass and frame: one bar over every (pass, frame), labelled with both. */
function showStep(bar: ReturnType<typeof styleProgress>, step: VideoStep): void {
  const n = step.total ?? step.done;
  bar.update({
    done: (step.pass - 1) * n + step.done,
    total: step.passes * n,
    unit: 'frame',
    label: `pass ${step.pass}/${step.passes} frame ${step.index + 1}${step.resumed ? ' (resumed)' : ''}`,
    terms: step.losses
      ? { content: step.losses.content, style: step.losses.style, temporal: step.losses.temporal }
      : {},
  });
}

function videoOptions(v: Values): Partial<StylizeVideoOptions> {
  const preserve = choiceFlag('preserve-colors', v['preserve-colors'], [
    'luminance',
    'histogram',
    'original',
  ] as const);
  const int = (flag: string, min: number) => (v[flag] ? intFlag(flag, v[flag], min) : undefined);
  const num = (flag: string) => (v[flag] ? numberFlag(flag, v[flag], { min: 0 }) : undefined);
  const options: Partial<StylizeVideoOptions> = {
    size: int('size', 8),
    iterations: int('iterations', 0),
    firstIterations: int('first-iterations', 0),
    passes: int('passes', 1),
    temporalFrom: int('temporal-from', 1),
    longTerm: longTermFlag(v['long-term']),
    temporalWeight: num('temporal-weight'),
    blendWeight: num('blend-weight'),
    smoothing: num('smoothing'),
    styleWeight: num('style-weight'),
    contentWeight: num('content-weight'),
    ...(preserve ? { preserveColors: preserve } : {}),
  };
  for (const key of Object.keys(options) as (keyof typeof options)[])
    if (options[key] === undefined) delete options[key];
  return options;
}

/** `1,10,20,40` as frame offsets. */
function longTermFlag(value: unknown): number[] | undefined {
  if (value === undefined) return undefined;
  return listFlag(value).map((s) => {
    const j = Number(s);
    if (!Number.isSafeInteger(j) || j < 1)
      throw new UsageError(
        `--long-term: expected frame offsets >= 1 (e.g. 1,10,20,40), got '${s}'`,
      );
    return j;
  });
}

/**
 * A fresh run records its settings in the output folder; --resume continues only a run
 * with the same settings (the frames already written are its checkpoint).
 */
async function checkRun(out: string, settings: Record<string, unknown>, v: Values): Promise<void> {
  const path = join(out, RUN_FILE);
  const text = JSON.stringify(settings, null, 2);
  if (v.resume === true) {
    const before = await readFile(path, 'utf8').catch(() => undefined);
    if (before === undefined)
      throw new UsageError(`--resume: ${path} not found: ${out} holds no video run to continue`);
    const old = JSON.parse(before) as Record<string, unknown>;
    const changed = [...new Set([...Object.keys(old), ...Object.keys(settings)])].filter(
      (k) => JSON.stringify(old[k]) !== JSON.stringify(settings[k]),
    );
    if (changed.length > 0)
      throw new UsageError(
        `--resume: the run in ${out} was started with other settings (${changed.join(', ')}); give the same flags, or a new --out`,
      );
    return;
  }
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${text}\n`);
  await rename(temporary, path);
}
