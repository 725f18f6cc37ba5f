import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, readlinkSync, realpathSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * terraform runs a repository's code (file(), providers, `external`): isolation from driftback's own
 * secrets is a property of how it is started. Under bubblewrap it gets its own PID namespace (driftback's
 * /proc/<pid>/environ and PID 1's do not exist there), its own mount namespace holding only the system
 * dirs, the run's checkout and scratch, and the plugin cache (read-only except during `init`), no
 * capabilities, and an environment driftback builds (never its own). The network is shared: providers need it.
 */

export type IsolationMode = "bubblewrap" | "none";

export interface IsolationStatus {
  mode: IsolationMode;
  /** The bwrap executable, when mode is bubblewrap. */
  bwrap?: string;
  /** Why bubblewrap cannot be used (mode none). */
  problem?: string;
  /** Whether repository code may run without isolation (DRIFTBACK_ALLOW_UNISOLATED_PLANS=true, or the CLI). */
  allowUnisolated: boolean;
  /** Read-only binds the operator added (DRIFTBACK_SANDBOX_READ_ONLY) and files the environment names for terraform. */
  readOnly: string[];
  /** Writable binds the operator added (DRIFTBACK_SANDBOX_WRITABLE), e.g. a local state dir. */
  writable: string[];
  /** Paths no bind may contain (the App's private key file). */
  forbidden: string[];
}

/** Environment variables naming files terraform or its providers read: bound read-only when they exist. */
const CREDENTIAL_FILE_VARS = [
  "TF_CLI_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_CONFIG_FILE",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "GOOGLE_APPLICATION_CREDENTIALS",
  "GOOGLE_CREDENTIALS_FILE",
  "AZURE_FEDERATED_TOKEN_FILE",
  "ARM_CLIENT_CERTIFICATE_PATH",
  "KUBECONFIG",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
];

/** System files a terraform and its providers need: certificates, name resolution, users. Bound read-only when present. */
const SYSTEM_READ_ONLY = ["/usr", "/etc/ssl", "/etc/ca-certificates", "/etc/pki", "/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/host.conf", "/etc/gai.conf", "/etc/passwd", "/etc/group", "/etc/localtime", "/etc/alternatives"];
/** Top-level dirs that are symbolic links into /usr on merged-/usr systems (Debian 12), real dirs elsewhere. */
const SYSTEM_TOP = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

export interface SandboxSpec {
  /** The absolute path of terraform (or tofu) outside; bound read-only at the same path. */
  binary: string;
  /** The working directory terraform starts in. */
  cwd: string;
  /** Writable: the run's own checkout (the repository root the workspace dir is in) and the run's scratch dir. */
  writable: readonly string[];
  /** Read-only: the plugin cache slot (outside init), operator paths, credential files. */
  readOnly: readonly string[];
  /** System paths, as found on this machine (see systemBinds). */
  system: readonly SystemBind[];
  args: readonly string[];
}

export type SystemBind = { kind: "ro-bind"; path: string } | { kind: "symlink"; path: string; target: string };

/**
 * The bwrap command line for one terraform run (pure: what exists on the machine comes in `spec.system`).
 * The environment is not on it: bwrap passes on exactly the one it is started with, which driftback builds.
 */
export function bwrapArgs(spec: SandboxSpec): string[] {
  const args = [
    "--unshare-user",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--die-with-parent",
    // no --new-session: terraform stays in the process group driftback signals (SIGTERM, then SIGKILL), so it can
    // release its state lock; TIOCSTI needs a controlling terminal, and the group (spawned detached, stdin ignored) has none
    "--cap-drop",
    "ALL",
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--tmpfs",
    "/tmp",
  ];
  for (const bind of spec.system) {
    if (bind.kind === "symlink") args.push("--symlink", bind.target, bind.path);
    else args.push("--ro-bind-try", bind.path, bind.path);
  }
  const underUsr = spec.binary === "/usr" || spec.binary.startsWith("/usr/");
  if (!underUsr) args.push("--ro-bind", spec.binary, spec.binary);
  for (const dir of spec.readOnly) args.push("--ro-bind-try", dir, dir);
  // writable last: a writable checkout inside a read-only operator path stays writable
  for (const dir of spec.writable) args.push("--bind", dir, dir);
  args.push("--chdir", spec.cwd, "--", spec.binary, ...spec.args);
  return args;
}

/** /usr and the top-level dirs as this machine has them (merged /usr: symbolic links). */
export function systemBinds(exists: (p: string) => boolean = existsSync): SystemBind[] {
  const binds: SystemBind[] = [];
  for (const top of SYSTEM_TOP) {
    try {
      const stat = lstatSync(top);
      if (stat.isSymbolicLink()) binds.push({ kind: "symlink", path: top, target: readlinkSync(top) });
      else if (stat.isDirectory()) binds.push({ kind: "ro-bind", path: top });
    } catch {
      // absent here
    }
  }
  for (const p of SYSTEM_READ_ONLY) if (exists(p)) binds.push({ kind: "ro-bind", path: p });
  return binds;
}

/** Whether `child` is `parent` or inside it. */
export function within(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/**
 * The repository a workspace dir belongs to, which terraform may need whole (`../modules`): the nearest
 * dir above it holding `.git`, never above a scratch dir (a checkout's own dir directly under it).
 */
export function checkoutRoot(dir: string, scratchDirs: readonly string[]): string {
  const start = path.resolve(dir);
  let current = start;
  for (;;) {
    const parent = path.dirname(current);
    if (scratchDirs.some((s) => path.resolve(s) === parent)) return current;
    if (existsSync(path.join(current, ".git"))) return current;
    if (parent === current) return start;
    current = parent;
  }
}

/** Resolves `binary` on PATH (as execa would) to an absolute, real path. */
export function resolveBinary(binary: string, envPath: string | undefined): string | undefined {
  const candidates = binary.includes("/") ? [path.resolve(binary)] : (envPath ?? "").split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, binary));
  for (const candidate of candidates) {
    try {
      if (statSync(candidate).isFile()) return realpathSync(candidate);
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The problem when a bind would hand terraform something secret, or everything. */
export function unsafeBind(spec: Pick<SandboxSpec, "writable" | "readOnly">, forbidden: readonly string[]): string | undefined {
  for (const dir of [...spec.writable, ...spec.readOnly]) {
    if (path.resolve(dir) === path.parse(path.resolve(dir)).root) return `${dir} would expose the whole filesystem`;
    const hit = forbidden.find((f) => within(path.resolve(f), path.resolve(dir)));
    if (hit) return `${dir} holds ${hit}, which terraform must never read`;
  }
  return undefined;
}

const PROBE_TIMEOUT_MS = 10_000;

export interface DetectOptions {
  /** The CLI: runs unisolated with a warning when bubblewrap cannot be used. */
  cli?: boolean;
  /** Runs bwrap; tests pass a stub. */
  probe?: (bwrap: string, args: string[]) => { status: number | null; stderr: string; error?: Error };
}

/**
 * Finds out once, at start, whether terraform can be isolated here: bwrap on PATH (or DRIFTBACK_BWRAP) and a
 * trial run with the namespaces the real runs use. Container runtimes' default seccomp profiles commonly refuse
 * the user namespace, and a masked /proc refuses `--proc`: the trial shows either, with bwrap's own message.
 */
export function detectIsolation(env: NodeJS.ProcessEnv, options: DetectOptions = {}): IsolationStatus {
  const allowUnisolated = options.cli === true || env.DRIFTBACK_ALLOW_UNISOLATED_PLANS === "true";
  const base = {
    allowUnisolated,
    readOnly: [...splitPaths(env.DRIFTBACK_SANDBOX_READ_ONLY), ...CREDENTIAL_FILE_VARS.map((v) => env[v]).filter((p): p is string => !!p && path.isAbsolute(p))],
    writable: splitPaths(env.DRIFTBACK_SANDBOX_WRITABLE),
    forbidden: [env.PRIVATE_KEY_PATH].filter((p): p is string => !!p).map((p) => path.resolve(p)),
  };
  const wanted = env.DRIFTBACK_TERRAFORM_ISOLATION ?? "auto";
  if (wanted === "none") return { ...base, mode: "none", problem: "DRIFTBACK_TERRAFORM_ISOLATION=none" };
  const bwrap = env.DRIFTBACK_BWRAP || resolveBinary("bwrap", env.PATH ?? process.env.PATH);
  if (!bwrap) return { ...base, mode: "none", problem: "bwrap (bubblewrap) is not installed" };
  const probe = options.probe ?? defaultProbe;
  const trial = bwrapArgs({ binary: "/usr/bin/true", cwd: "/", writable: [], readOnly: [], system: systemBinds(), args: [] }).filter((a) => a !== "--die-with-parent");
  const result = probe(bwrap, trial);
  if (result.error || result.status !== 0) {
    const said = (result.error?.message ?? result.stderr).trim().split("\n")[0] ?? "";
    return { ...base, mode: "none", problem: `bwrap cannot create the sandbox here (${said || `exit ${result.status}`})` };
  }
  return { ...base, mode: "bubblewrap", bwrap };
}

function defaultProbe(bwrap: string, args: string[]) {
  const run = spawnSync(bwrap, args, { encoding: "utf8", timeout: PROBE_TIMEOUT_MS, env: { PATH: "/usr/bin:/bin" }, stdio: ["ignore", "ignore", "pipe"] });
  return { status: run.status, stderr: run.stderr ?? "", ...(run.error ? { error: run.error } : {}) };
}

function splitPaths(value: string | undefined): string[] {
  return (value ?? "").split(path.delimiter).filter((p) => p && path.isAbsolute(p));
}

/** The boot line: one at error level when repository code would run unisolated, naming what failed and what to set. */
export function isolationReport(status: IsolationStatus): { level: "info" | "error" | "warn"; message: string } {
  if (status.mode === "bubblewrap") return { level: "info", message: `terraform runs isolated under bubblewrap (${status.bwrap}): its own PID and mount namespaces, no capabilities, the plugin cache read-only` };
  const fix =
    "install bubblewrap and allow user namespaces (the Helm chart: seccompProfile Unconfined or a profile allowing clone/unshare with CLONE_NEWUSER, and procMount Unmasked; docker: --security-opt seccomp=unconfined --security-opt systempaths=unconfined)";
  if (status.allowUnisolated)
    return { level: "error", message: `terraform is NOT isolated: ${status.problem}. Repository code (every pull request's plan) can read this process's secrets (the App's private key, webhook secret, tokens); DRIFTBACK_ALLOW_UNISOLATED_PLANS=true lets it run anyway. To fix: ${fix}` };
  return { level: "error", message: `terraform is NOT isolated: ${status.problem}. driftback will plan no repository code until it is: ${fix}; or set DRIFTBACK_ALLOW_UNISOLATED_PLANS=true to accept that every plan can read this process's secrets` };
}

/**
 * bwrap dies of the SIGTERM (the App) or SIGINT (the CLI) driftback sends a run's process group, and with
 * --die-with-parent its sandbox is then SIGKILLed: terraform would get no time to release its state lock. Started
 * with both ignored (a disposition exec keeps), bwrap waits while terraform (whose Go runtime installs its own
 * handlers) shuts down gracefully; SIGKILL after the grace still ends all. A fixed script: every argument stays its
 * own argv entry ("$@").
 */
export function ignoringSigterm(bwrap: string, args: readonly string[]): { file: string; args: string[] } {
  return { file: "/bin/sh", args: ["-c", 'trap "" TERM INT; exec "$0" "$@"', bwrap, ...args] };
}

/** The message a run gets when it is refused for want of isolation. */
export function refusedMessage(status: IsolationStatus): string {
  return `driftback plans no repository code without isolation, and terraform cannot be isolated here: ${status.problem}. The operator can install bubblewrap (and allow user namespaces) or set DRIFTBACK_ALLOW_UNISOLATED_PLANS=true`;
}

/** The scratch dirs a checkout may sit directly under. */
export function scratchDirs(extra: string | undefined): string[] {
  return [...new Set([os.tmpdir(), ...(extra ? [extra] : [])].map((d) => path.resolve(d)))];
}
