import { vi } from "vitest";
import { main } from "../../src/cli.js";

/** Captures what the CLI writes to stdout and stderr until `vi.restoreAllMocks()`. */
export function captureOutput(): { out: () => string; err: () => string } {
  let stdout = "";
  let stderr = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  return { out: () => stdout, err: () => stderr };
}

/**
 * `driftback <args>` in this process, as a user runs it: its exit code and output. `env` is set
 * for the call only (the process environment is put back afterwards).
 */
export async function runCli(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; out: string; err: string }> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const io = captureOutput();
  try {
    const code = await main(["node", "driftback", ...args]);
    return { code, out: io.out(), err: io.err() };
  } finally {
    vi.restoreAllMocks();
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}
