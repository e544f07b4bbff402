// allow_patterns / ignore_patterns with the semantics of huggingface_hub's filter_repo_objects:
// Python's fnmatch (where "*" also matches "/"), and a pattern ending in "/" matches everything below.

function fnmatchToRegExp(pattern: string): RegExp {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") out += ".*";
    else if (c === "?") out += ".";
    else if (c === "[") {
      const close = pattern.indexOf("]", i + 2);
      if (close < 0) out += "\\[";
      else {
        let body = pattern.slice(i + 1, close);
        const negate = body.startsWith("!");
        if (negate) body = body.slice(1);
        out += `[${negate ? "^" : ""}${body.replace(/[\\^\]]/g, "\\$&")}]`;
        i = close;
      }
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${out}$`, "s");
}

export function filterRepoFiles(
  files: readonly string[],
  allowPatterns?: string | readonly string[] | null,
  ignorePatterns?: string | readonly string[] | null,
): string[] {
  const compile = (p: string | readonly string[] | null | undefined) =>
    p === undefined || p === null
      ? null
      : (typeof p === "string" ? [p] : p).map((x) => fnmatchToRegExp(x.endsWith("/") ? `${x}*` : x));
  const allow = compile(allowPatterns);
  const ignore = compile(ignorePatterns);
  return files.filter(
    (f) => (allow === null || allow.some((r) => r.test(f))) && !(ignore?.some((r) => r.test(f)) ?? false),
  );
}
