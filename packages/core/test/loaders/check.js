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
      out.backends[backend] = { name: tf.getBackend(), grad: Array.from(await g.data()) };
      tf.dispose([x, g]);
    } catch (error) {
      out.backends[backend] = { error: String(error?.message) };
    }
  }
  out.copiesAfter = tfjsCopies();
  await shutdown();
  return out;
}
