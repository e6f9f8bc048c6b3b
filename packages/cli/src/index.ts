export { main } from './main.js';
export { doctor, formatDoctor, type DoctorRow, type DoctorOptions } from './commands/doctor.js';
export { formatTable } from './table.js';
