import { randomUUID } from "node:crypto";
import { appendFileSync } from "node:fs";
import os from "node:os";

/**
 * One step output in the `GITHUB_OUTPUT` file format (GitHub's workflow commands: `name<<delimiter`, the value,
 * the delimiter), with a random delimiter the value cannot contain, as the Actions toolkit writes them.
 */
export function outputEntry(name: string, value: string, delimiter = `ghadelimiter_${randomUUID()}`): string {
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) throw new Error(`output name ${JSON.stringify(name)} is not a valid step output name`);
  if (value.includes(delimiter)) throw new Error(`output ${name}'s value contains its delimiter`);
  return `${name}<<${delimiter}${os.EOL}${value}${os.EOL}${delimiter}${os.EOL}`;
}

/** Appends the outputs to `GITHUB_OUTPUT`; without it (outside a runner) says what they would have been on stderr. */
export function writeOutputs(file: string | undefined, outputs: Record<string, string>): void {
  const text = Object.entries(outputs).map(([name, value]) => outputEntry(name, value)).join("");
  if (file) appendFileSync(file, text, "utf8");
  else process.stderr.write(`GITHUB_OUTPUT is not set; outputs:\n${Object.entries(outputs).map(([k, v]) => `  ${k}=${v}`).join("\n")}\n`);
}

/** Appends markdown to the job summary (`GITHUB_STEP_SUMMARY`), when the runner gives one. */
export function writeSummary(file: string | undefined, markdown: string): void {
  if (file) appendFileSync(file, markdown.endsWith("\n") ? markdown : `${markdown}\n`, "utf8");
}
