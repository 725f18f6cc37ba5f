import picomatch from "picomatch";

/**
 * A matcher for rule globs over workspace names, resource types, addresses and attribute paths.
 * `*` crosses dots (`tags.*`, `module.net.*`); `[`, `]` and `"` are literal, so an address is
 * written as terraform prints it (`aws_instance.web[0]`, `module.net["eu"].*`); "/" inside map
 * keys is plain text, not a path separator (the same reading as `drift.ignore`).
 */
export function globMatcher(glob: string): (text: string) => boolean {
  if (glob === "") return (text) => text === ""; // picomatch refuses an empty pattern
  const match = picomatch(flat(glob).replace(/[[\]]/g, "\\$&"), { dot: true, keepQuotes: true });
  return (text) => match(flat(text));
}

/** picomatch treats "/" as a separator; names and paths here have none. */
function flat(text: string): string {
  return text.replaceAll("/", "\u2215");
}
