// Pickle checkpoints (PyTorch's .bin/.pt/.pth/.ckpt) can run arbitrary code when loaded, so reprodiff
// never parses them: it recognises them by name or by their first bytes and says how to convert them.

const PICKLE_EXTENSIONS = [".bin", ".ckpt", ".pt", ".pth", ".pkl", ".pickle"];

export class PickleCheckpointError extends Error {
  override name = "PickleCheckpointError";
}

export function isPickleFileName(path: string): boolean {
  const lower = path.toLowerCase();
  return PICKLE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/**
 * True for the first bytes of a torch.save zip archive ("PK\x03\x04") or of a raw pickle stream
 * (PROTO opcode 0x80 followed by protocol 2..5).
 */
export function looksLikePickle(firstBytes: Uint8Array): boolean {
  if (firstBytes.length >= 4 && firstBytes[0] === 0x50 && firstBytes[1] === 0x4b) {
    return firstBytes[2] === 0x03 && firstBytes[3] === 0x04;
  }
  return firstBytes.length >= 2 && firstBytes[0] === 0x80 && firstBytes[1] >= 2 && firstBytes[1] <= 5;
}

/** The message shown for a refused pickle checkpoint, with the conversion recipe. */
export function pickleRefusal(path: string, recognisedBy: "name" | "content" = "name"): string {
  const base = path.replace(/\.[^./\\]+$/, "");
  return (
    `${path} is a PyTorch pickle checkpoint${recognisedBy === "content" ? " (recognised by its contents)" : ""}; ` +
    "reprodiff only loads safetensors, because unpickling can run arbitrary code. Convert it once in Python " +
    "(from a source you trust):\n" +
    `  python -c "import torch; from safetensors.torch import save_file; sd = torch.load('${path}', map_location='cpu', weights_only=True); sd = sd.get('state_dict', sd); save_file({k: v.contiguous() for k, v in sd.items()}, '${base}.safetensors')"\n` +
    "or, for a Diffusers model or pipeline folder: " +
    "`DiffusionPipeline.from_pretrained(folder).save_pretrained(folder, safe_serialization=True)` " +
    "(or the model class, e.g. UNet2DModel, in place of DiffusionPipeline)."
  );
}

/**
 * Throws a PickleCheckpointError if `path` names a pickle checkpoint, or if `firstBytes` (when given)
 * are those of one. Loaders call this before opening a weights file.
 */
export function assertNotPickle(path: string, firstBytes?: Uint8Array): void {
  if (isPickleFileName(path)) throw new PickleCheckpointError(pickleRefusal(path, "name"));
  if (firstBytes !== undefined && looksLikePickle(firstBytes)) {
    throw new PickleCheckpointError(pickleRefusal(path, "content"));
  }
}
