import { init, shutdown, writeImage } from '@atelier/core';
import { createTransformerSession, loadTransformer, runTransformer } from '@atelier/style';
import { UsageError } from '../errors.js';
import { parse } from './command.js';
import { backendFlag, engineFlag } from './flags.js';
import { readRgb } from './style-args.js';

export const styleRunUsage =
  'atelier style run --model m.safetensors|m.pth in.png out.png [more.png out2.png ...] [--backend ...] [--engine tfjs|onnxruntime]';

/** `atelier style run`: a trained TransformerNet (ours or pytorch/examples') on images of any size. */
export async function styleRunCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, {
    model: { type: 'string' },
    backend: { type: 'string' },
    engine: { type: 'string' },
  });
  const engine = engineFlag(values.engine);
  const model = values.model as string | undefined;
  if (!model) throw new UsageError('--model m.safetensors is required');
  if (positionals.length === 0 || positionals.length % 2 !== 0) {
    throw new UsageError(
      `expected pairs of input and output images, got ${positionals.length} argument(s)`,
    );
  }
  await init({ backend: backendFlag(values.backend) });
  const net = await loadTransformer(model);
  const session = engine === 'onnxruntime' ? await createTransformerSession(net) : undefined;
  try {
    for (let i = 0; i < positionals.length; i += 2) {
      const input = await readRgb(positionals[i]!);
      const output = session ? await session.run(input) : runTransformer(net, input);
      input.dispose();
      await writeImage(positionals[i + 1]!, output);
      output.dispose();
      process.stderr.write(`atelier style run: wrote ${positionals[i + 1]}\n`);
    }
  } finally {
    await session?.dispose();
    net.dispose();
    await shutdown();
  }
}
