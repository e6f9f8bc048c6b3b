import { Bottleneck, type BottleneckOptions } from './bottleneck.js';

/**
 * ResNeXt's bottleneck (Xie et al.): the bottleneck with a grouped 3x3 conv, by default
 * the paper's 32x4d (cardinality 32, baseWidth 4): aggregated transformations as one
 * grouped convolution. Same keys as Bottleneck.
 */
export class ResNeXtBottleneck extends Bottleneck {
  constructor(inChannels: number, planes: number, options: BottleneckOptions = {}) {
    super(inChannels, planes, { cardinality: 32, baseWidth: 4, ...options });
  }
}
