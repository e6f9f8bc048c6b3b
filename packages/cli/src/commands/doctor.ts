import { AtelierError, BACKEND_NAMES, type BackendName, init, shutdown, tf } from '@atelier/core';
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

export interface DoctorOptions {
  /** Seconds of micro-benchmark per backend (default 10). */
  seconds?: number;
  backends?: BackendName[];
  onProgress?: (message: string) => void;
}

/** The micro-benchmark: a 3x3 convolution, 1x64x64x64 -> 64, 'same' padding. */
const CONV = { size: 64, cin: 64, cout: 64, k: 3 };
const CONV_FLOPS = 2 * CONV.size * CONV.size * CONV.cin * CONV.cout * CONV.k * CONV.k;

async function timeConv(seconds: number): Promise<number> {
  const x = tf.randomNormal([1, CONV.size, CONV.size, CONV.cin], 0, 1, 'float32', 1);
  const w = tf.randomNormal([CONV.k, CONV.k, CONV.cin, CONV.cout], 0, 0.1, 'float32', 2);
  const once = async () => {
    const start = performance.now();
    const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');
    await y.data();
    y.dispose();
    return performance.now() - start;
  };
  await once(); // warm-up: shader compilation, wasm tuning
  const times: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  while (times.length < 3 || (performance.now() < deadline && times.length < 1000)) {
    times.push(await once());
  }
  tf.dispose([x, w]);
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Starts each backend in turn, reports the adapter and times a 3x3 convolution. */
export async function doctor(options: DoctorOptions = {}): Promise<{
  rows: DoctorRow[];
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
      const convMs = await timeConv(seconds);
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
  options.onProgress?.('choosing automatically');
  const auto = await init({ backend: 'auto' });
  await shutdown();
  return { rows, auto: { name: auto.name, reason: auto.reason } };
}

export function formatDoctor(result: Awaited<ReturnType<typeof doctor>>): string {
  const table = formatTable(
    ['backend', 'status', 'adapter', 'conv 3x3 ms', 'GFLOP/s', 'note'],
    result.rows.map((r) => [
      r.backend,
      r.ok ? 'ok' : 'failed',
      r.adapter ?? '-',
      r.convMs === undefined ? '-' : r.convMs.toFixed(2),
      r.gflops === undefined ? '-' : r.gflops.toFixed(1),
      r.note,
    ]),
  );
  return `${table}\n\n'auto' chooses ${result.auto.name}: ${result.auto.reason}\n(conv: 1x${CONV.size}x${CONV.size}x${CONV.cin} -> ${CONV.cout}, 3x3, median over repeated runs)`;
}
