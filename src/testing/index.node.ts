// `reprodiff/testing/node`: everything in `reprodiff/testing` plus loaders for expected arrays on disk.
export { loadNpyExpectation, loadSafetensorsExpectation } from "./expectations.node.js";
export * from "./index.js";
