// Source run in the program through Runtime.evaluate (not a function's toString, which a
// bundler may rewrite). `process.getBuiltinModule` exists from Node 20.16 and 22.3; before, the
// inspector's command-line API lends a `require` (includeCommandLineAPI), in CommonJS and ESM
// programs alike. Expressions catch their own errors and return null, so that nothing throws
// into a debugger that pauses on caught exceptions (the evaluations are `silent` too).
export const LOAD = `const load = (name) => (globalThis.process.getBuiltinModule ? globalThis.process.getBuiltinModule(name) : require(name));`;
