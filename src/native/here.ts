/**
 * The directory holding the compiled `native/` modules. ESM and CommonJS
 * find their own location differently (`import.meta.url` vs `__dirname`) and
 * neither form compiles in the other, so scripts/build-ts.mjs writes this
 * module's JavaScript for each output format; this file only declares it.
 */
export declare const moduleDir: string;
