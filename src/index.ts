import pLimit from "p-limit";
import type { ApplicationFunctionOptions, Probot } from "probot";
import { PrometheusMetrics } from "./adapters/metrics.js";
import { TerraformCli } from "./adapters/terraform/cli-runner.js";
import { detectIsolation, isolationReport, type IsolationStatus } from "./adapters/terraform/sandbox.js";
import { onBackportCommand } from "./handlers/backport-command.js";
import { onBackportMerged } from "./handlers/backport-merged.js";
import { onBreakGlassCommand } from "./handlers/break-glass-command.js";
import { appBotLogin } from "./handlers/bot-login.js";
import { onDashboardEdited } from "./handlers/dashboard-edit.js";
import type { AppServices } from "./handlers/deps.js";
import { DriftScheduler } from "./handlers/drift-scheduler.js";
import { onConfigPush } from "./handlers/queued/schedule-push.js";
import { RedisIncidentPollState } from "./handlers/queued/schedule-poll-state.js";
import { QueuedSchedules } from "./handlers/queued/schedules.js";
import { installationAuth } from "./handlers/queued/scan-queue.js";
import { driftbackHttpHandler } from "./handlers/http.js";
import { onIncidentIssueClosed } from "./handlers/incident-closed.js";
import { IncidentPoller } from "./handlers/incident-poll.js";
import { IncidentReconciler } from "./handlers/incident-reconcile.js";
import { incidentWebhookHandler, webhookVerifiers } from "./handlers/incident-webhooks.js";
import { RecentDeliveries } from "./adapters/incidents/webhook.js";
import { onPlanCommand } from "./handlers/plan-command.js";
import { PreviewRuns } from "./handlers/preview-runs.js";
import { startBackportWorker } from "./handlers/queued/backport-worker.js";
import { startPreviewWorker } from "./handlers/queued/preview-worker.js";
import { onPullRequest, PULL_REQUEST_EVENTS } from "./handlers/pull-request.js";
import { onScanCommand } from "./handlers/scan-command.js";
import { onAlignCommand } from "./handlers/align-command.js";
import { ScanService } from "./handlers/scan-service.js";
import { bundledTemplates } from "./templates.js";
import { redisSettings, type RedisSettings } from "./adapters/redis/connection.js";
import { InProcessDeliveryMemory } from "./adapters/redis/delivery-memory.js";
import { RedisRuntime } from "./adapters/redis/runtime.js";
import type { WorkerOptions } from "bullmq";
import { ShutdownAwareRunner } from "./adapters/shutdown.js";
import type { Readiness } from "./handlers/http.js";
import { getPrivateKey } from "@probot/get-private-key";
import { activeStateKeys, stateKeysFrom, useStateKeys } from "./core/state-seal.js";

export interface DriftbackApp {
  app: (probot: Probot, options?: Partial<ApplicationFunctionOptions>) => void;
  /** Resolves once every background plan and scan has finished (tests, graceful shutdown). */
  idle: () => Promise<void>;
  /** Available once the app is loaded. */
  scans: () => ScanService;
  scheduler: () => DriftScheduler;
  /** The drift schedules as BullMQ job schedulers when Redis is configured (they replace `scheduler` then). */
  schedules: () => QueuedSchedules | undefined;
  /** Reconcile on resolution (issue 9 §6) and the poll of trackers without a webhook; available once the app is loaded. */
  incidents: () => { reconciler: IncidentReconciler; poller: IncidentPoller };
  metrics: PrometheusMetrics;
  /** The shared queues when Redis is configured (REDIS_URL); undefined in the embedded, in-process mode. */
  runtime: () => RedisRuntime | undefined;
  /**
   * Stops taking work (schedules, pollers, queue workers), lets running jobs finish within `graceMs`, then aborts
   * what is left (terraform is killed with its process group) and, with Redis, gives those jobs back to the queue.
   */
  close: (graceMs?: number) => Promise<void>;
  /** /readyz: not while shutting down, nor while Redis (when configured) does not answer. */
  readiness: () => Promise<Readiness>;
}

export interface DriftbackOptions extends Partial<Omit<AppServices, "metrics" | "runtime" | "deliveries">> {
  /** Start the in-process drift schedule (off in tests, which call scheduler().tick()). */
  startScheduler?: boolean;
  /** Where incident API tokens and webhook secrets come from (default process.env). */
  env?: Record<string, string | undefined>;
  /** The body limit of the incident webhook routes (default 25 MB, the server's). */
  maxBodyBytes?: number;
  /** Shared queues on Redis; default from REDIS_URL (and DRIFTBACK_REDIS_PREFIX); null forces the in-process mode. */
  redis?: RedisSettings | null;
  /** BullMQ worker settings for every queue (tests shorten lock and stall detection so take-over is quick). */
  queueWorker?: Partial<WorkerOptions>;
  /** How terraform is isolated; default: found at start (bubblewrap), unless a runner is passed in. */
  isolation?: IsolationStatus;
}

/** Builds the Probot app; tests pass their own services (a fake terraform, a scratch dir, a clock). */
export function createDriftbackApp(overrides: DriftbackOptions = {}): DriftbackApp {
  const metrics = new PrometheusMetrics({ defaultMetrics: overrides.startScheduler !== false });
  let runs: PreviewRuns | undefined;
  let scans: ScanService | undefined;
  let scheduler: DriftScheduler | undefined;
  let schedules: QueuedSchedules | undefined;
  let incidents: { reconciler: IncidentReconciler; poller: IncidentPoller } | undefined;
  let runtime: RedisRuntime | undefined;
  let terraform: ShutdownAwareRunner | undefined;
  let closing = false;
  // aborted when the shutdown's grace period is over: every terraform still running is stopped with its process group
  const shutdown = new AbortController();
  const readiness = async (): Promise<Readiness> => {
    if (closing) return { ready: false, reason: "shutting-down" };
    if (!terraform) return { ready: false, reason: "not-loaded" };
    if (runtime && !(await runtime.ping(800))) return { ready: false, reason: "redis" };
    return { ready: true };
  };
  const app = (probot: Probot, options: Partial<ApplicationFunctionOptions> = {}) => {
    const env = overrides.env ?? process.env;
    const redis = overrides.redis === null ? undefined : (overrides.redis ?? redisSettings(env));
    runtime = redis ? new RedisRuntime(redis, probot.log, metrics, overrides.queueWorker) : undefined;
    // PR code runs in terraform: found out now whether it can be isolated, said loudly when not (issue 15 §1)
    const isolation = overrides.isolation ?? (overrides.terraform ? undefined : detectIsolation(env));
    if (isolation) {
      const report = isolationReport(isolation);
      probot.log[report.level](report.message);
      metrics.terraformIsolation(isolation.mode);
    }
    terraform = new ShutdownAwareRunner(overrides.terraform ?? new TerraformCli({ ...(isolation ? { isolation } : {}), ...(overrides.scratchDir ? { scratchDir: overrides.scratchDir } : {}) }), shutdown.signal);
    const services: AppServices = {
      terraform,
      templates: overrides.templates ?? bundledTemplates(), // compiled now: a broken template fails the boot
      appId: overrides.appId ?? (process.env.APP_ID ? Number(process.env.APP_ID) : undefined),
      scratchDir: overrides.scratchDir,
      metrics,
      scanLimit: overrides.scanLimit ?? pLimit(Number(process.env.DRIFTBACK_SCAN_CONCURRENCY ?? 4) || 4),
      previewLimit: overrides.previewLimit ?? pLimit(Number(process.env.DRIFTBACK_PREVIEW_CONCURRENCY ?? 8) || 8),
      scanToken: overrides.scanToken ?? process.env.DRIFTBACK_SCAN_TOKEN,
      botLogin: overrides.botLogin ?? appBotLogin(probot),
      now: overrides.now ?? Date.now,
      runtime,
      // webhook deliveries already handled: in Redis with replicas (the copy may reach another one), else in this process
      deliveries: runtime?.deliveries ?? new InProcessDeliveryMemory(),
      ...(overrides.forkPlans ? { forkPlans: overrides.forkPlans } : {}),
      ...(overrides.commentPlans ? { commentPlans: overrides.commentPlans } : {}),
    };
    runs = new PreviewRuns((key, error) => probot.log.error({ key, err: error }, "plan preview failed"));
    if (runtime) {
      // previews and apply-on-merge run on the shared queues: any replica takes any job
      startPreviewWorker(runtime, services, installationAuth(probot), probot.log);
      startBackportWorker(runtime, services, installationAuth(probot), probot.log);
    }
    scans = new ScanService(probot, services);
    scheduler = new DriftScheduler(scans, services.now, probot.log);
    const recentDeliveries = new RecentDeliveries(); // one replay memory for every incident webhook
    const reconciler = new IncidentReconciler({ scans, env, log: probot.log, now: services.now, recentDeliveries, ...(services.appId !== undefined ? { appId: services.appId } : {}) });
    // with replicas any of them may run the minute's poll: what it remembers lives in Redis
    const pollState = runtime ? { state: new RedisIncidentPollState(runtime.commands, runtime.prefix) } : {};
    incidents = { reconciler, poller: new IncidentPoller({ reconciler, env, now: services.now, log: probot.log, ...pollState }) };
    if (runtime) {
      const queued = new QueuedSchedules({ runtime, scans, poller: incidents.poller, log: probot.log, now: services.now });
      queued.startWorker();
      schedules = queued;
    }
    probot.on([...PULL_REQUEST_EVENTS], onPullRequest(services, runs));
    probot.on("issue_comment.created", onPlanCommand(services, runs));
    probot.on("issue_comment.created", onScanCommand(scans, services.appId));
    probot.on("issues.edited", onDashboardEdited(scans));
    probot.on("issue_comment.created", onBackportCommand(services, scans));
    probot.on("issue_comment.created", onBreakGlassCommand(services, scans));
    probot.on("issue_comment.created", onAlignCommand(services, scans));
    probot.on("pull_request.closed", onBackportMerged(services, runs));
    probot.on(["installation.created", "installation.deleted", "installation_repositories.added", "installation_repositories.removed"], async () => {
      scheduler!.rediscover();
      reconciler.forget();
      await schedules?.requestDiscovery();
    });
    probot.on("push", onConfigPush(() => schedules));
    probot.on("issues.closed", onIncidentIssueClosed(reconciler));
    options.addHandler?.(
      driftbackHttpHandler({
        scans,
        registry: metrics.registry,
        readiness,
        scanToken: services.scanToken,
        log: probot.log,
        messages: services.templates.http,
        incidents: incidentWebhookHandler({
          verifiers: webhookVerifiers(env, recentDeliveries),
          ...(runtime ? { deliveries: services.deliveries } : {}),
          onResolved: (source, key) => reconciler.reconcileLater(source, key),
          log: probot.log,
          messages: services.templates.http,
          now: services.now,
          rejected: (reason) => metrics.requestRejected(reason),
          ...(overrides.maxBodyBytes !== undefined ? { maxBodyBytes: overrides.maxBodyBytes } : {}),
        }),
      }),
    );
    if (overrides.startScheduler !== false && process.env.DRIFTBACK_SCHEDULER !== "off") {
      if (schedules) {
        // the job schedulers live in Redis: one replica fires each; this one only makes sure they exist
        schedules.keepStarting();
      } else {
        scheduler.start();
        incidents.poller.start();
      }
    }
  };
  return {
    app,
    idle: async () => {
      await runtime?.idle();
      await runs?.idle();
      await incidents?.reconciler.idle(); // it starts scans: waited for before them
      await scans?.idle();
      await runtime?.idle(); // scans queued meanwhile (requests reach Redis in the background)
    },
    scans: () => scans!,
    scheduler: () => scheduler!,
    schedules: () => schedules,
    incidents: () => incidents!,
    metrics,
    runtime: () => runtime,
    readiness,
    close: async (graceMs = 30_000) => {
      closing = true;
      scheduler?.stop();
      schedules?.stop();
      incidents?.poller.stop();
      const graceOver = setTimeout(() => shutdown.abort(), graceMs);
      const aborted = new Promise<void>((resolve) => shutdown.signal.addEventListener("abort", () => resolve(), { once: true }));
      const inProcess = (async () => {
        await runs?.idle();
        await incidents?.reconciler.idle();
        await scans?.idle();
      })();
      // queued jobs: the runtime gives back what is left at the deadline; in-process work: cut short at the same time
      await Promise.all([runtime?.close(graceMs), Promise.race([inProcess, aborted])]);
      clearTimeout(graceOver);
      // terraform stopped by the abort gets SIGTERM, then SIGKILL after the runner's kill grace: wait until it is gone
      await terraform?.settled();
    },
  };
}

/**
 * `probot run lib/index.js` (instead of driftback's own server, src/adapters/http/main.ts): the same state keys,
 * so markers are sealed on that path too: DRIFTBACK_STATE_KEY, else derived from the App's private key.
 */
const probotRunApp: DriftbackApp["app"] = (probot, options) => {
  ensureStateKeys(process.env, probot.log);
  return createDriftbackApp().app(probot, options);
};

/** Sets the process's state keys from the environment when nothing set them yet (what main.ts does at boot). */
export function ensureStateKeys(env: NodeJS.ProcessEnv, log: { warn: (message: string) => void }): void {
  if (activeStateKeys().length > 0) return;
  let privateKey: string | undefined;
  try {
    privateKey = getPrivateKey({ env }) ?? undefined;
  } catch {
    privateKey = undefined; // Probot itself reports an unreadable key
  }
  const state = stateKeysFrom(env, privateKey);
  useStateKeys(state.keys);
  if (state.source === "none") log.warn("driftback has no state key (neither DRIFTBACK_STATE_KEY nor a private key): its markers are not sealed");
}

export default probotRunApp;
