import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu/dist/webgpu_program';

/** Invocations per workgroup: channels of a tile times lanes over the H×W plane. */
const INVOCATIONS = 256;

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * Instance normalisation in one WGSL pass per (sample, tile of channels).
 *
 * A workgroup owns `tile` neighbouring channels of one sample; its invocations are
 * laid out [tile, lanes], so neighbours read neighbouring addresses of the NHWC data.
 * Each lane accumulates sums of (x - its first value) over its share of the plane,
 * which keeps float32 sums accurate without a second read; the lanes' (count, mean,
 * M2) triples are then merged in workgroup memory by Chan's parallel-variance rule,
 * and the same invocations write x * scaleValue + offsetValue. x is read twice, the output
 * written once, where a composition of moments and arithmetic makes a dozen passes.
 */
export class InstanceNormProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y: number[] };
  dispatch: [number, number, number];
  variableNames = ['x', 'gamma', 'beta'];
  uniforms = 'epsilon : f32,';
  workgroupSize: [number, number, number];
  private readonly tile: number;
  private readonly lanes: number;

  constructor(shape: number[], maxTile = 16) {
    const [n, , , c] = shape as [number, number, number, number];
    this.outputShape = shape;
    this.tile = Math.min(maxTile, nextPowerOfTwo(c));
    this.lanes = INVOCATIONS / this.tile;
    this.workgroupSize = [this.tile, this.lanes, 1];
    // Not flat: the shader reads workgroup_id itself (x: channel tiles, y: samples).
    this.dispatchLayout = { x: [3], y: [0] };
    this.dispatch = [Math.ceil(c / this.tile), n, 1];
    this.shaderKey = `atelierInstanceNorm_${this.tile}`;
  }

  getUserCode(): string {
    const { tile, lanes } = this;
    return `
      var<workgroup> laneCount : array<f32, ${INVOCATIONS}>;
      var<workgroup> laneMean : array<f32, ${INVOCATIONS}>;
      var<workgroup> laneM2 : array<f32, ${INVOCATIONS}>;

      fn main() {
        let t = i32(localId.x);
        let lane = i32(localId.y);
        let channels = uniforms.xShape.w;
        let plane = uniforms.xShape.y * uniforms.xShape.z;
        let c = i32(workgroupId.x) * ${tile} + t;
        let inRange = c < channels;
        let origin = i32(workgroupId.y) * plane * channels + c;

        var count = 0.0;
        var mean = 0.0;
        var m2 = 0.0;
        if (inRange && lane < plane) {
          let shiftValue = x[origin + lane * channels];
          var s = 0.0;
          var s2 = 0.0;
          for (var p = lane; p < plane; p = p + ${lanes}) {
            let d = x[origin + p * channels] - shiftValue;
            s = s + d;
            s2 = s2 + d * d;
            count = count + 1.0;
          }
          mean = shiftValue + s / count;
          m2 = max(s2 - s * s / count, 0.0);
        }
        let slot = lane * ${tile} + t;
        laneCount[slot] = count;
        laneMean[slot] = mean;
        laneM2[slot] = m2;
        workgroupBarrier();

        for (var gap = ${lanes / 2}; gap > 0; gap = gap / 2) {
          if (lane < gap) {
            let other = slot + gap * ${tile};
            let nb = laneCount[other];
            if (nb > 0.0) {
              let na = laneCount[slot];
              let nab = na + nb;
              let delta = laneMean[other] - laneMean[slot];
              laneMean[slot] = laneMean[slot] + delta * (nb / nab);
              laneM2[slot] = laneM2[slot] + laneM2[other] + delta * delta * (na * nb / nab);
              laneCount[slot] = nab;
            }
          }
          workgroupBarrier();
        }

        if (inRange) {
          let variance = laneM2[t] / f32(plane);
          let scaleValue = gamma[c] * inverseSqrt(variance + uniforms.epsilon);
          let offsetValue = beta[c] - laneMean[t] * scaleValue;
          for (var p = lane; p < plane; p = p + ${lanes}) {
            let i = origin + p * channels;
            result[i] = x[i] * scaleValue + offsetValue;
          }
        }
      }
    `;
  }
}
