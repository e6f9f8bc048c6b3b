// The PyTorch parity fixtures of @atelier/blocks (tools/parity/nets.py and dcgan.py) and
// their reader: the reference networks' state dicts, an input and PyTorch's outputs.
export { expectClose, loadNetFixture, type NetFixture } from '../../blocks/test/nets/fixture.js';
