import * as core from '@atelier/core';
import { check } from './check.js';

console.log(JSON.stringify(await check(core, process.argv.slice(2))));
