// Registrations of this folder are imported here (side effects).
import './add-n.js';
import './instance-norm.js';
