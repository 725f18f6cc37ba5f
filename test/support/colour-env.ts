import { afterEach, beforeEach } from "vitest";

const COLOUR_ENV = ["NO_COLOR", "FORCE_COLOR", "COLUMNS"] as const;

/** The text format's environment (NO_COLOR, FORCE_COLOR, COLUMNS) cleared around each test of the calling file, and put back after. */
export function clearColourEnv(): void {
  let saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    saved = Object.fromEntries(COLOUR_ENV.map((k) => [k, process.env[k]]));
    for (const k of COLOUR_ENV) delete process.env[k];
  });
  afterEach(() => {
    for (const k of COLOUR_ENV) if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  });
}
