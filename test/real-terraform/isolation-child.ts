// Run by isolation.test.ts (as uid 1000 without capabilities where the test runs as root): driftback's runner,
// made the way src/index.ts makes it, plans hostile code with canary secrets in this process's environment and
// a canary private-key file, then reports what came back and what changed on disk as one JSON line.
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { cliTerraform, TerraformCli } from "../../src/adapters/terraform/cli-runner.js";
import { detectIsolation } from "../../src/adapters/terraform/sandbox.js";

const CANARY = process.env.DRIFTBACK_TEST_CANARY!;
const root = mkdtempSync(path.join(os.tmpdir(), "driftback-isolation-"));
const scratch = path.join(root, "scratch");
const cache = path.join(root, "plugin-cache");
mkdirSync(path.join(cache, "local", "slot-0", "registry.example", "x"), { recursive: true });
writeFileSync(path.join(cache, "local", "slot-0", "registry.example", "x", "terraform-provider-x"), "#!/bin/sh\necho original\n");
// the cache reviewed code of the same owner runs providers from: a pull request's run must not reach it at all
const reviewedProvider = path.join(cache, "acme", "reviewed", "slot-0", "registry.example", "x", "terraform-provider-x");
mkdirSync(path.dirname(reviewedProvider), { recursive: true });
writeFileSync(reviewedProvider, "#!/bin/sh\necho original\n");
// the App's private key, as PRIVATE_KEY_PATH names it
const keyFile = path.join(root, "app-key.pem");
writeFileSync(keyFile, `-----BEGIN RSA PRIVATE KEY-----\n${CANARY}-keyfile\n-----END RSA PRIVATE KEY-----\n`);
process.env.PRIVATE_KEY_PATH = keyFile;
// another repository's checkout beside this one, under the same scratch dir
const victim = path.join(scratch, "driftback-src-victim");
mkdirSync(victim, { recursive: true });
writeFileSync(path.join(victim, "secrets.auto.tfvars"), `token = "${CANARY}-other-checkout"\n`);
// the checkout being planned (with the .git a clone leaves: no token in it, driftback passes it in git's environment)
const checkout = path.join(scratch, "driftback-src-pr");
const ws = path.join(checkout, "infra");
mkdirSync(path.join(checkout, ".git"), { recursive: true });
writeFileSync(path.join(checkout, ".git", "config"), "[core]\n\tbare = false\n");
mkdirSync(ws, { recursive: true });
// a git clone running meanwhile for another installation holds its token in its environment
const clone = spawn("sleep", ["60"], { env: { ...process.env, GIT_CONFIG_VALUE_0: `AUTHORIZATION: basic ${CANARY}-git-credential` }, stdio: "ignore" });

const reads: Record<string, string> = {
  parent_environ: 'file("/proc/${local.ppid}/environ")',
  parent_cmdline: 'file("/proc/${local.ppid}/cmdline")',
  pid1_environ: 'file("/proc/1/environ")',
  driftback_environ: `file("/proc/${process.pid}/environ")`,
  git_clone_environ: `file("/proc/${clone.pid}/environ")`,
  key_file: `file(${JSON.stringify(keyFile)})`,
  other_checkout: 'file("${path.root}/../../driftback-src-victim/secrets.auto.tfvars")',
  other_checkout_absolute: `file(${JSON.stringify(path.join(victim, "secrets.auto.tfvars"))})`,
  own_file: 'file("${path.root}/own.txt")',
};
writeFileSync(path.join(ws, "own.txt"), "readable-own-file");
writeFileSync(
  path.join(ws, "main.tf"),
  [
    'locals { ppid = try(regex("PPid:\\\\s+([0-9]+)", file("/proc/self/status"))[0], "0") }',
    'resource "terraform_data" "leak" { input = base64encode(try(file("/proc/${local.ppid}/environ"), "unreadable")) }',
    ...Object.entries(reads).map(([name, expr]) => `output "${name}" { value = try(${expr}, "unreadable") }`),
    "",
  ].join("\n"),
);

// arbitrary code as terraform (what a provider or `external` program can do): a program named terraform on PATH
const hostileBin = path.join(root, "hostile-bin");
mkdirSync(hostileBin);
writeFileSync(
  path.join(hostileBin, "terraform"),
  `#!/bin/sh
[ "$1" = init ] && exit 0
try() { if "$@" 2>/dev/null; then echo "DONE $*"; else echo "DENIED $*"; fi; }
for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do cat "$f" 2>/dev/null | tr '\\000' ' '; echo; done
try cat ${keyFile}
try cat ${path.join(victim, "secrets.auto.tfvars")}
try sh -c 'echo hacked > ${path.join(cache, "local", "slot-0", "registry.example", "x", "terraform-provider-x")}'
try sh -c 'echo planted > ${path.join(cache, "local", "slot-0", "planted")}'
try sh -c 'echo hacked > ${reviewedProvider}'
try sh -c 'echo planted > ${path.join(victim, "planted.tf")}'
try sh -c 'echo planted > ${path.join(root, "planted")}'
echo "ENV $(env | tr '\\n' ' ')"
exit 1
`,
);
chmodSync(path.join(hostileBin, "terraform"), 0o755);

const snapshot = () =>
  readdirSync(root, { recursive: true })
    .map(String)
    .filter((p) => !p.startsWith("scratch/driftback-run-") && !p.startsWith(`scratch${path.sep}driftback-src-pr`))
    .sort()
    .map((p) => {
      const full = path.join(root, p);
      return statSync(full).isFile() ? `${p}:${readFileSync(full, "utf8")}` : p;
    })
    .join("\n");

const isolation = detectIsolation(process.env);
// as src/index.ts: the isolation found at start, the app's scratch dir
const runner = new TerraformCli({ isolation, scratchDir: scratch, pluginCacheDir: cache, cacheSlots: 1, killGraceMs: 2_000 });
const before = snapshot();
const request = { dir: ws, binary: "terraform" as const, workspace: "default", varFiles: [], backendConfig: [], timeoutMs: 120_000, lockTimeout: "30s" };
const hcl = await runner.plan(request);
// the CLI's runner (driftback scan, backport --verify), as src/commands makes it
const cliWarnings: string[] = [];
const cli = await cliTerraform((line) => cliWarnings.push(line), process.env).plan(request);
// apply of a kept plan, in the same sandbox rules (the run's data dir, the cache read-only)
const kept = await runner.plan({ ...request, keepPlanFile: true });
const applied = kept.ok && kept.saved ? await runner.apply({ dir: ws, binary: "terraform", workspace: "default", saved: kept.saved, timeoutMs: 120_000, lockTimeout: "30s" }) : { ok: false, message: kept.ok ? "no saved plan" : kept.message, output: "" };
if (kept.ok) await kept.saved?.release();
const hostileEnv = { ...process.env, PATH: `${hostileBin}:${process.env.PATH}` };
// as a pull request's preview plans it: its own repository's pull-request cache
const hostile = await new TerraformCli({ isolation, scratchDir: scratch, pluginCacheDir: cache, cacheSlots: 1, env: hostileEnv }).plan({ ...request, pluginCache: { owner: "acme", repo: "infra", code: "pull-request" } });
// the runner makes the pull request's own (empty) cache dirs: everything else must be as before
const ownCache = path.join("plugin-cache", "acme", "pull-requests");
const after = snapshot().split("\n").filter((line) => !line.startsWith("scratch/driftback-src-pr") && !line.startsWith(ownCache)).join("\n");
clone.kill();
process.stdout.write(`${JSON.stringify({ uid: process.getuid?.(), isolation, hcl, cli, cliWarnings, applied, hostile, before, after })}\n`);
