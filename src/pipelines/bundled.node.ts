import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Folder name of the model that ships inside the npm package. */
export const BUNDLED_MODEL_NAME = "ddpm-digits-16";

/**
 * Absolute path of the bundled default model (`models/ddpm-digits-16` at the package root): a 16x16
 * grayscale DDPM trained on scikit-learn's digits, so a fresh install generates images offline.
 * Resolved relative to this module, which lives at `dist/src/pipelines/` (compiled) or `src/pipelines/`.
 */
export function bundledModelPath(): string {
  const candidates = [
    new URL(`../../../models/${BUNDLED_MODEL_NAME}/`, import.meta.url),
    new URL(`../../models/${BUNDLED_MODEL_NAME}/`, import.meta.url),
  ];
  for (const url of candidates) {
    const path = fileURLToPath(url);
    if (existsSync(`${path}model_index.json`)) return path.replace(/\/$/, "");
  }
  throw new Error(
    `the bundled model ${BUNDLED_MODEL_NAME} is missing from the installed package (looked in ${candidates
      .map((u) => fileURLToPath(u))
      .join(" and ")}); reinstall reprodiff`,
  );
}
