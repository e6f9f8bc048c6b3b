const core = require('@atelier/core');

// check.js is ESM; CJS loads it with a dynamic import, the package itself with require.
import('./check.js')
  .then(({ check }) => check(core, process.argv.slice(2)))
  .then((out) => console.log(JSON.stringify(out)));
