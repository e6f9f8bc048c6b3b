#!/usr/bin/env node
// The `atelier` command. This file is committed (not built) so that npm links the
// command when a clone is installed, before `dist/` exists; it runs the built CLI.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(fileURLToPath(built))) {
  console.error(
    `atelier: the command is not built yet (${fileURLToPath(built)} is missing): run 'npm run build' in the repository first`,
  );
  process.exit(1);
}
await import(built.href);
