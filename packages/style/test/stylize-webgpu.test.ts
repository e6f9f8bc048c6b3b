import { describeBackends } from '@atelier/core/testing';
import { convergenceSuite } from './convergence.js';

// The smallest size (16 px) and 12 iterations: a software adapter (SwiftShader) runs an
// iteration of VGG-19 in seconds. A separate file keeps each under two minutes.
describeBackends(
  'stylize on webgpu: the style loss falls 10x, the content loss stays bounded',
  convergenceSuite,
  {
    only: ['webgpu'],
  },
);
