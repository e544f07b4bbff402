/**
 * The library version written into every provenance record. It must equal package.json's "version"
 * (test/provenance/record.test.ts checks); a constant rather than a file read keeps this browser-safe.
 */
export const LIBRARY_VERSION = "0.1.0";
