/** How many workspace plans may run at once: across every replica, on one replica, and for one installation. */
export interface PlanLimits {
  /** BullMQ global concurrency of the "plan" queue (DRIFTBACK_PLAN_CONCURRENCY). */
  global: number;
  /** One replica's worker concurrency (DRIFTBACK_PLAN_WORKER_CONCURRENCY), never above `global`. */
  perWorker: number;
  /** Plans of one installation at once across replicas (DRIFTBACK_INSTALLATION_PLAN_LIMIT), so one organisation cannot take every slot. */
  perInstallation: number;
}

const DEFAULT_GLOBAL = 8;

/** Reads and validates the limits; a value that is not a positive integer is refused naming its variable. */
export function planLimits(env: Record<string, string | undefined>): PlanLimits {
  const global = positiveInteger(env, "DRIFTBACK_PLAN_CONCURRENCY") ?? DEFAULT_GLOBAL;
  const perWorker = Math.min(global, positiveInteger(env, "DRIFTBACK_PLAN_WORKER_CONCURRENCY") ?? global);
  const perInstallation = positiveInteger(env, "DRIFTBACK_INSTALLATION_PLAN_LIMIT") ?? Math.max(1, Math.floor(global / 2));
  return { global, perWorker, perInstallation };
}

function positiveInteger(env: Record<string, string | undefined>, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) throw new Error(`${name} must be a positive integer, not "${raw.slice(0, 40)}"`);
  return Number(raw);
}
