// Registrations of this folder are imported here (side effects).
export {};
