import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu/dist/webgpu_program';
import { type PlaneLayout, planeLayout, planeReductions } from './instance-norm-wgsl.js';

/**
 * Instance normalisation as one WGSL program: a workgroup per (sample, tile of
 * channels) takes the plane's statistics (planeStats) and writes x * scale + offset.
 * x is read twice and the output written once, where a composition of moments and
 * arithmetic runs a dozen kernels (tfjs's reductions over H and W among the slowest).
 */
export class InstanceNormProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y: number[] };
  dispatch: [number, number, number];
  variableNames = ['x', 'gamma', 'beta'];
  uniforms = 'epsilon : f32,';
  workgroupSize: [number, number, number];
  private readonly layout: PlaneLayout;

  constructor(shape: number[]) {
    const [n, , , c] = shape as [number, number, number, number];
    this.outputShape = shape;
    this.layout = planeLayout(c);
    this.workgroupSize = [this.layout.tile, this.layout.lanes, 1];
    // Not flat: the shader reads workgroup_id itself (x: channel tiles, y: samples).
    this.dispatchLayout = { x: [3], y: [0] };
    this.dispatch = [Math.ceil(c / this.layout.tile), n, 1];
    this.shaderKey = `atelierInstanceNorm_${this.layout.tile}`;
  }

  getUserCode(): string {
    const { tile, lanes } = this.layout;
    return `
      ${planeReductions(this.layout)}

      fn main() {
        let t = i32(localId.x);
        let lane = i32(localId.y);
        let channels = uniforms.xShape.w;
        let plane = uniforms.xShape.y * uniforms.xShape.z;
        let c = i32(workgroupId.x) * ${tile} + t;
        let inRange = c < channels;
        let origin = i32(workgroupId.y) * plane * channels + c;
        let stats = planeStats(origin, inRange, t, lane);
        if (inRange) {
          let scaleValue = gamma[c] * stats.y;
          let offsetValue = beta[c] - stats.x * scaleValue;
          for (var p = lane; p < plane; p = p + ${lanes}) {
            let i = origin + p * channels;
            result[i] = x[i] * scaleValue + offsetValue;
          }
        }
      }
    `;
  }
}
