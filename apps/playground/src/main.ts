import './style.css';
import { describeBackend, startBackend } from './backend.js';
import { AutoencoderDemo } from './demos/autoencoder-demo.js';
import { BicycleGanDemo } from './demos/bicyclegan-demo.js';
import { GatysDemo } from './demos/gatys-demo.js';
import { GpuDemo } from './demos/gpu-demo.js';
import { Pix2PixDemo } from './demos/pix2pix-demo.js';
import { ProganDemo } from './demos/progan-demo.js';
import { TransformerDemo } from './demos/transformer-demo.js';
import { readSettings } from './settings.js';

const banner = document.getElementById('backend')!;
const main = document.getElementById('demos')!;

/**
 * Starts the backend, says which it is and why, and mounts the demos. With `?smoke=1`
 * the demos run at once, one after another, at tiny sizes (the end-to-end test; the
 * TransformerNet demo waits for weights, which the test drops in).
 */
async function start(): Promise<void> {
  const settings = readSettings(location.search);
  banner.textContent = `Starting ${settings.backend === 'auto' ? 'the best backend' : settings.backend}...`;
  let info: Awaited<ReturnType<typeof startBackend>>;
  try {
    info = await startBackend(settings);
  } catch (error) {
    banner.dataset.state = 'error';
    banner.textContent = `The ${settings.backend} backend did not start: ${error instanceof Error ? error.message : String(error)}`;
    throw error;
  }
  banner.dataset.backend = info.name;
  banner.dataset.state = 'ready';
  banner.textContent = describeBackend(info);

  const pix2pix = new Pix2PixDemo(settings.smoke);
  const gatys = new GatysDemo(settings.smoke);
  const transformer = new TransformerDemo(settings.smoke);
  const bicyclegan = new BicycleGanDemo(settings.smoke);
  const progan = new ProganDemo(settings.smoke);
  const autoencoder = new AutoencoderDemo(settings.smoke);
  const gpu = new GpuDemo(settings.smoke);
  main.append(
    pix2pix.panel.section,
    gatys.panel.section,
    transformer.panel.section,
    bicyclegan.panel.section,
    progan.panel.section,
    autoencoder.panel.section,
    gpu.panel.section,
  );
  document.body.dataset.ready = 'true';

  if (settings.smoke) {
    await pix2pix.run();
    await gatys.run();
    await bicyclegan.run();
    await bicyclegan.endsDiffer();
    await progan.run();
    await autoencoder.run();
    await gpu.run();
    document.body.dataset.smoke = 'done';
  }
}

void start();
