// Gradients tfjs 4.22 lacks or gets wrong at first or second order (registered on import;
// each file overrides tfjs's gradient for the same kernel).
import './saved-tensor-links.js';
import './piecewise-constant.js';
import './tanh.js';
import './sigmoid.js';
import './exp.js';
import './elu.js';
import './softmax.js';
import './pow.js';
import './tile.js';
import './avg-pool.js';
import './max-pool.js';
import './resize.js';
