import type { Config } from "../config/schema.js";
import type { ScanTarget } from "../ports.js";

/**
 * A repository driftback may scan: where it is, who can reach it, and its validated config. Its own
 * file (importing no handler) so scan-service.ts and the queue modules under queued/, which import
 * each other's pieces, both take it from here; scan-service.ts re-exports it.
 */
export interface ScannableRepo {
  target: ScanTarget;
  installationId: number;
  config: Config;
}
