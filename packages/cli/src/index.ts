export { type BenchOptions, bench } from './commands/bench.js';
export { type ConvertOptions, convert } from './commands/convert.js';
export { type DoctorOptions, type DoctorRow, doctor, formatDoctor } from './commands/doctor.js';
export { main } from './main.js';
export { formatTable } from './table.js';
