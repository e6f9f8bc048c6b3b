/**
 * What the instance-norm WGSL programs share: the workgroup layout and the per-plane
 * reductions.
 *
 * A workgroup owns `tile` neighbouring channels; its invocations are laid out
 * [tile, lanes], so neighbouring invocations read neighbouring addresses of NHWC data,
 * and the lanes of a channel split its H×W plane between them.
 */

/** Invocations per workgroup: channels of a tile times lanes over the plane. */
export const INVOCATIONS = 256;

export interface PlaneLayout {
  tile: number;
  lanes: number;
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Up to 16 channels a workgroup (fewer when there are fewer), the rest lanes. */
export function planeLayout(channels: number, maxTile = 16): PlaneLayout {
  const tile = Math.min(maxTile, nextPowerOfTwo(Math.max(1, channels)));
  return { tile, lanes: INVOCATIONS / tile };
}

/**
 * WGSL helpers, to be called by every invocation of the workgroup (they hold barriers):
 * - planeStats: mean and 1 / sqrt(var + epsilon) of a channel's plane. Each lane sums
 *   (x - its first value) and its square over its share, which keeps float32 sums
 *   accurate in one read; the lanes' (count, mean, M2) are merged in workgroup memory
 *   by Chan's parallel-variance rule.
 * - sumOverLanes: two sums over the lanes of a channel, in workgroup memory.
 * Both read `x` and `uniforms.xShape`, `uniforms.epsilon`.
 */
export function planeReductions({ tile, lanes }: PlaneLayout): string {
  return `
    var<workgroup> laneCount : array<f32, ${INVOCATIONS}>;
    var<workgroup> laneA : array<f32, ${INVOCATIONS}>;
    var<workgroup> laneB : array<f32, ${INVOCATIONS}>;

    fn planeStats(origin : i32, inRange : bool, t : i32, lane : i32) -> vec2<f32> {
      let channels = uniforms.xShape.w;
      let plane = uniforms.xShape.y * uniforms.xShape.z;
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
      laneA[slot] = mean;
      laneB[slot] = m2;
      workgroupBarrier();
      for (var gap = ${lanes / 2}; gap > 0; gap = gap / 2) {
        if (lane < gap) {
          let other = slot + gap * ${tile};
          let nb = laneCount[other];
          if (nb > 0.0) {
            let na = laneCount[slot];
            let nab = na + nb;
            let delta = laneA[other] - laneA[slot];
            laneA[slot] = laneA[slot] + delta * (nb / nab);
            laneB[slot] = laneB[slot] + laneB[other] + delta * delta * (na * nb / nab);
            laneCount[slot] = nab;
          }
        }
        workgroupBarrier();
      }
      let stats = vec2<f32>(laneA[t], inverseSqrt(laneB[t] / f32(plane) + uniforms.epsilon));
      workgroupBarrier();
      return stats;
    }

    fn sumOverLanes(a : f32, b : f32, t : i32, lane : i32) -> vec2<f32> {
      let slot = lane * ${tile} + t;
      laneA[slot] = a;
      laneB[slot] = b;
      workgroupBarrier();
      for (var gap = ${lanes / 2}; gap > 0; gap = gap / 2) {
        if (lane < gap) {
          laneA[slot] = laneA[slot] + laneA[slot + gap * ${tile}];
          laneB[slot] = laneB[slot] + laneB[slot + gap * ${tile}];
        }
        workgroupBarrier();
      }
      let sums = vec2<f32>(laneA[t], laneB[t]);
      workgroupBarrier();
      return sums;
    }
  `;
}
