import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu/dist/webgpu_program';
import { type PlaneLayout, planeLayout, planeReductions } from './instance-norm-wgsl.js';

/**
 * The gradients of instance norm's gamma and beta as one WGSL program, output [2, C]:
 * row 0 is sum(dy * xhat), row 1 sum(dy), over samples and planes. A workgroup per
 * tile of channels walks the samples, taking each plane's statistics on the way.
 */
export class InstanceNormParamGradProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y: number[] };
  dispatch: [number, number, number];
  variableNames = ['x', 'dy'];
  uniforms = 'epsilon : f32,';
  workgroupSize: [number, number, number];
  private readonly layout: PlaneLayout;

  constructor(shape: number[]) {
    const c = shape[3]!;
    this.outputShape = [2, c];
    this.layout = planeLayout(c);
    this.workgroupSize = [this.layout.tile, this.layout.lanes, 1];
    this.dispatchLayout = { x: [1], y: [0] };
    this.dispatch = [Math.ceil(c / this.layout.tile), 1, 1];
    this.shaderKey = `atelierInstanceNormParamGrad_${this.layout.tile}`;
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
        var dGamma = 0.0;
        var dBeta = 0.0;
        for (var n = 0; n < uniforms.xShape.x; n = n + 1) {
          let origin = n * plane * channels + c;
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
          dGamma = dGamma + sums.y * stats.y;
          dBeta = dBeta + sums.x;
        }
        if (inRange && lane == 0) {
          result[c] = dGamma;
          result[channels + c] = dBeta;
        }
      }
    `;
  }
}
