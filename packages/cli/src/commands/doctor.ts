import {
  AtelierError,
  BACKEND_NAMES,
  type BackendName,
  init,
  Module,
  shutdown,
  tf,
} from '@atelier/core';
import { createOnnxSession } from '@atelier/onnx';
import { formatTable } from '../table.js';

export interface DoctorRow {
  backend: BackendName;
  ok: boolean;
  adapter?: string;
  /** Median milliseconds of one 3x3 convolution, when the backend started. */
  convMs?: number;
  gflops?: number;
  note: string;
}

/** onnxruntime-node, the native CPU path of @atelier/onnx (`--engine onnxruntime`). */
export interface NativeRow {
  ok: boolean;
  convMs?: number;
  gflops?: number;
  note: string;
}

export interface DoctorOptions {
  /** Seconds of micro-benchmark per backend (default 10). */
  seconds?: number;
  backends?: BackendName[];
  onProgress?: (message: string) => void;
}

/** The micro-benchmark: a 3x3 convolution, 1x64x64x64 -> 64, 'same' padding. */
const CONV = { size: 64, cin: 64, cout: 64, k: 3 };
const CONV_FLOPS = 2 * CONV.size * CONV.size * CONV.cin * CONV.cout * CONV.k * CONV.k;

/** The micro-benchmark's convolution as a module (what onnxruntime is given). */
class Conv3x3 extends Module {
  readonly #w = tf.randomNormal([CONV.k, CONV.k, CONV.cin, CONV.cout], 0, 0.1, 'float32', 2);
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.conv2d(x, this.#w as tf.Tensor4D, 1, 'same');
  }
  override dispose(): void {
    this.#w.dispose();
  }
}

/** Median ms of one `run` of the convolution, after a warm-up, over `seconds` (3 runs at least). */
async function timeConv(
  seconds: number,
  run: (x: tf.Tensor4D) => Promise<tf.Tensor>,
): Promise<number> {
  const x = tf.randomNormal([1, CONV.size, CONV.size, CONV.cin], 0, 1, 'float32', 1) as tf.Tensor4D;
  const once = async () => {
    const start = performance.now();
    const y = await run(x);
    await y.data();
    y.dispose();
    return performance.now() - start;
  };
  await once(); // warm-up: shader compilation, wasm tuning, onnxruntime's session
  const times: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  while (times.length < 3 || (performance.now() < deadline && times.length < 1000)) {
    times.push(await once());
  }
  x.dispose();
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** The same convolution exported to ONNX and run by onnxruntime-node, when it is installed. */
async function timeNative(seconds: number): Promise<NativeRow> {
  await init({ backend: 'cpu' });
  const conv = new Conv3x3();
  try {
    const session = await createOnnxSession(conv);
    try {
      const convMs = await timeConv(seconds, (x) => session.run(x) as Promise<tf.Tensor>);
      return {
        ok: true,
        convMs,
        gflops: CONV_FLOPS / (convMs * 1e6),
        note: 'onnxruntime-node (--engine onnxruntime)',
      };
    } finally {
      await session.dispose();
    }
  } catch (error) {
    // A diagnosis, not a failure: whatever stops onnxruntime is what the row says.
    return { ok: false, note: error instanceof Error ? error.message : String(error) };
  } finally {
    conv.dispose();
  }
}

/** Starts each backend in turn, reports the adapter and times a 3x3 convolution. */
export async function doctor(options: DoctorOptions = {}): Promise<{
  rows: DoctorRow[];
  native: NativeRow;
  auto: { name: string; reason: string };
}> {
  const seconds = options.seconds ?? 10;
  const rows: DoctorRow[] = [];
  for (const backend of options.backends ?? [...BACKEND_NAMES]) {
    options.onProgress?.(`starting ${backend}`);
    try {
      const info = await init({ backend });
      const adapter = info.adapter
        ? `${info.adapter.vendor} ${info.adapter.architecture}${info.adapter.isSoftware ? ' (software)' : ''}`.trim()
        : undefined;
      options.onProgress?.(`timing a 3x3 convolution on ${backend} for ${seconds} s`);
      const conv = new Conv3x3();
      const convMs = await timeConv(seconds, async (x) => conv.forward(x)).finally(() =>
        conv.dispose(),
      );
      rows.push({
        backend,
        ok: true,
        ...(adapter ? { adapter } : {}),
        convMs,
        gflops: CONV_FLOPS / (convMs * 1e6),
        note: info.reason,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      rows.push({ backend, ok: false, note: message });
      if (!(error instanceof AtelierError)) throw error;
    }
  }
  options.onProgress?.(`timing the convolution on onnxruntime for ${seconds} s`);
  const native = await timeNative(seconds);
  options.onProgress?.('choosing automatically');
  const auto = await init({ backend: 'auto' });
  await shutdown();
  return { rows, native, auto: { name: auto.name, reason: auto.reason } };
}

export function formatDoctor(result: Awaited<ReturnType<typeof doctor>>): string {
  const table = formatTable(
    ['backend', 'status', 'adapter', 'conv 3x3 ms', 'GFLOP/s', 'note'],
    [
      ...result.rows.map((r) => [
        r.backend,
        r.ok ? 'ok' : 'failed',
        r.adapter ?? '-',
        r.convMs === undefined ? '-' : r.convMs.toFixed(2),
        r.gflops === undefined ? '-' : r.gflops.toFixed(1),
        r.note,
      ]),
      [
        'onnxruntime',
        result.native.ok ? 'ok' : 'missing',
        'native CPU',
        result.native.convMs === undefined ? '-' : result.native.convMs.toFixed(2),
        result.native.gflops === undefined ? '-' : result.native.gflops.toFixed(1),
        result.native.note,
      ],
    ],
  );
  const engine = result.native.ok
    ? 'onnxruntime (onnxruntime-node loads; a harness whose step does not trace runs on tfjs)'
    : 'tfjs (onnxruntime-node did not load)';
  return `${table}\n\n'auto' chooses ${result.auto.name}: ${result.auto.reason}\natelier train --engine auto runs on ${engine}\n(conv: 1x${CONV.size}x${CONV.size}x${CONV.cin} -> ${CONV.cout}, 3x3, median over repeated runs)`;
}
