import { describeBackends } from '@atelier/core/testing';
import { convergenceSuite } from './convergence.js';

// webgpu runs in stylize-webgpu.test.ts: VGG-19 on SwiftShader takes ~8 s an iteration.
describeBackends(
  'stylize: the style loss falls 10x, the content loss stays bounded',
  convergenceSuite,
  {
    only: ['cpu', 'wasm'],
  },
);
