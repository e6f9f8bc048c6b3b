/** Set at build time: true in the Node build, false in the browser build (dead code goes). */
declare const __NODE__: boolean;
