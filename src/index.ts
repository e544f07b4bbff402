// The public API of reprodiff. Each concern lives in its own folder; this file only re-exports.
export * from "./rng/index.js";
export * from "./tensor/index.js";
