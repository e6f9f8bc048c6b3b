// Shared by every loader check: start backends, take a gradient, count tfjs copies.
// Written in plain JavaScript so that Node ESM, Node CJS and the browser run it as is.
export async function check(core, backends) {
  const { init, tf, tfjsCopies, shutdown } = core;
  const out = { copies: tfjsCopies(), backends: {} };
  for (const backend of backends) {
    try {
      await init({ backend });
      const x = tf.tensor([0.5, -1, 2]);
      // d/dx sum(tanh(x) * x) and a chained op: both need registrations tfjs-core lacks.
      const g = tf.grad((t) => tf.tanh(t).mul(t).sum())(x);
      // A convolution's filter gradient: on wasm only core's own kernel computes it, so
      // it fails when a build drops core's kernel registrations.
      const image = tf.ones([1, 3, 3, 1]);
      const filterGrad = tf.grad((w) => tf.conv2d(image, w, 1, 'same').sum())(
        tf.ones([2, 2, 1, 1]),
      );
      out.backends[backend] = {
        name: tf.getBackend(),
        grad: Array.from(await g.data()),
        filterGrad: Array.from(await filterGrad.data()),
      };
      tf.dispose([x, g, image, filterGrad]);
    } catch (error) {
      out.backends[backend] = { error: String(error?.message) };
    }
  }
  out.copiesAfter = tfjsCopies();
  await shutdown();
  return out;
}
