// Registrations of this folder are imported here (side effects).
import './instance-norm.js';
