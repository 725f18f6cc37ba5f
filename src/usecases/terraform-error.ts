/**
 * terraform's most telling line: the last "Error: …", else the last non-empty line. "No value for
 * required variable" names no variable on its own line: the sentence under it does, so those are named.
 */
export function lastErrorLine(output: string): string {
  const lines = output
    .split("\n")
    .map((l) => l.replace(/^[│╷╵\s]+/, "").trim())
    .filter(Boolean);
  const missing = [...new Set([...lines.join(" ").matchAll(/root module input variable "([^"\s]+)" is not set/g)].map((m) => m[1]!))];
  if (missing.length > 0) {
    const names = missing.map((name) => `\`${name}\``).join(", ");
    return `Error: No value for required variable ${names}: plan with the var file that sets ${missing.length > 1 ? "them" : "it"} (the workspace's \`var_files\` in .github/driftback.yml, or \`--var-file\`)`.slice(0, 300);
  }
  const error = [...lines].reverse().find((l) => l.startsWith("Error"));
  return (error ?? lines.at(-1) ?? "").slice(0, 300);
}
