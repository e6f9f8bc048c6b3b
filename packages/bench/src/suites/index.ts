// Every suite registers here; a new suite is one file and one line.
import { registerSuite } from '../registry.js';
import { convGradSuite } from './conv-grad.js';
import { datasetsSuite } from './datasets.js';
import { ganSuite } from './gan.js';
import { ganEngineSuite } from './gan-engine.js';
import { netsSuite } from './nets.js';
import { opsSuite } from './ops.js';
import { styleSuite } from './style.js';

registerSuite(opsSuite);
registerSuite(netsSuite);
registerSuite(datasetsSuite);
registerSuite(styleSuite);
registerSuite(ganSuite);
registerSuite(convGradSuite);
registerSuite(ganEngineSuite);
