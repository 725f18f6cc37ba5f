import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * A terraform stand-in whose plan sleeps a fixed time (FAKE_LATENCY_S overrides it), then replays
 * plan.json: a shell script, so starting it costs next to nothing and the figures measure driftback.
 * Returns the directory to put first on PATH.
 */
export function latencyTerraform(dir: string, options: { latencySeconds: number; planExitCode: 0 | 2 }): string {
  const bin = path.join(dir, "bin");
  mkdirSync(bin);
  const script = `#!/bin/sh
case "$1" in
  init) exit 0 ;;
  plan) sleep "\${FAKE_LATENCY_S:-${options.latencySeconds}}"
        for arg in "$@"; do case "$arg" in -out=*) cp plan.json "\${arg#-out=}" ;; esac; done
        exit ${options.planExitCode} ;;
  show) for arg in "$@"; do last="$arg"; done; cat "$last" ;;
esac
`;
  writeFileSync(path.join(bin, "terraform"), script);
  chmodSync(path.join(bin, "terraform"), 0o755);
  return bin;
}
