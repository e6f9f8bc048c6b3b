import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu/dist/webgpu_program';
import { type PlaneLayout, planeLayout, planeReductions } from './instance-norm-wgsl.js';

/**
 * The input gradient of instance norm as one WGSL program, a workgroup per (sample,
 * tile of channels): dx = gamma * invStd * (dy - mean(dy) - xhat * mean(dy * xhat)).
 * The plane's statistics, then the two means of dy, then dx: x and dy are read twice.
 */
export class InstanceNormGradProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y: number[] };
  dispatch: [number, number, number];
  variableNames = ['x', 'gamma', 'dy'];
  uniforms = 'epsilon : f32,';
  workgroupSize: [number, number, number];
  private readonly layout: PlaneLayout;

  constructor(shape: number[]) {
    const [n, , , c] = shape as [number, number, number, number];
    this.outputShape = shape;
    this.layout = planeLayout(c);
    this.workgroupSize = [this.layout.tile, this.layout.lanes, 1];
    this.dispatchLayout = { x: [3], y: [0] };
    this.dispatch = [Math.ceil(c / this.layout.tile), n, 1];
    this.shaderKey = `atelierInstanceNormGrad_${this.layout.tile}`;
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
        var sumDy = 0.0;
        var sumDyCentred = 0.0;
        if (inRange) {
          for (var p = lane; p < plane; p = p + ${lanes}) {
            let i = origin + p * channels;
            sumDy = sumDy + dy[i];
            sumDyCentred = sumDyCentred + dy[i] * (x[i] - stats.x);
          }
        }
        let sums = sumOverLanes(sumDy, sumDyCentred, t, lane);
        if (inRange) {
          let meanDy = sums.x / f32(plane);
          let meanDyXhat = sums.y * stats.y / f32(plane);
          let k = gamma[c] * stats.y;
          for (var p = lane; p < plane; p = p + ${lanes}) {
            let i = origin + p * channels;
            let xhat = (x[i] - stats.x) * stats.y;
            result[i] = k * (dy[i] - meanDy - xhat * meanDyXhat);
          }
        }
      }
    `;
  }
}
