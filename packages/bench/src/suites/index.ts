// Every suite registers here; a new suite is one file and one line.
import { registerSuite } from '../registry.js';
import { opsSuite } from './ops.js';

registerSuite(opsSuite);
