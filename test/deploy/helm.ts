import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, stringify } from "yaml";

/** A rendered manifest, loosely typed: the tests walk Kubernetes objects. */
export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [key: string]: any };

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
export const chartDir = path.join(repoRoot, "deploy/helm/driftback");
const rendererSource = fileURLToPath(new URL("./render/main.go", import.meta.url));
// Debian's Go libraries (golang-github-masterminds-sprig-dev, golang-gopkg-yaml.v2-dev), used in GOPATH mode
const GOPATH = "/usr/share/gocode";

/** Why the chart cannot be rendered here, or undefined when Go and Sprig are installed (`.ci/run` installs them). */
export function rendererMissing(): string | undefined {
  try {
    execFileSync("go", ["version"], { stdio: "ignore" });
  } catch {
    return "no go on PATH; install Debian's golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v2-dev";
  }
  for (const lib of ["github.com/Masterminds/sprig", "gopkg.in/yaml.v2"]) {
    if (!existsSync(path.join(GOPATH, "src", lib))) return `${lib} is not in ${GOPATH}; install Debian's golang-github-masterminds-sprig-dev golang-gopkg-yaml.v2-dev`;
  }
  return undefined;
}

let built: string | undefined;

/**
 * Builds test/deploy/render/main.go (Helm's template engine: text/template + Sprig + Helm's functions) once per
 * source version, cached in node_modules/.cache; a concurrent build by another test file is harmless (atomic rename).
 */
export function buildRenderer(): string {
  if (built) return built;
  const source = readFileSync(rendererSource);
  // node_modules/.cache outlives the run's own temp root (test/support/global-setup.ts removes it at the end)
  const cacheDir = path.join(repoRoot, "node_modules", ".cache", `driftback-chart-render-${createHash("sha256").update(source).digest("hex").slice(0, 16)}`);
  const binary = path.join(cacheDir, "render");
  if (!existsSync(binary)) {
    mkdirSync(cacheDir, { recursive: true });
    const work = mkdtempSync(path.join(cacheDir, "build-"));
    try {
      execFileSync("go", ["build", "-o", path.join(work, "render"), rendererSource], {
        env: { PATH: process.env.PATH, HOME: work, GO111MODULE: "off", GOPATH, GOFLAGS: "", CGO_ENABLED: "0", GOCACHE: path.join(cacheDir, "..", "driftback-chart-render-gocache") },
        stdio: ["ignore", "ignore", "pipe"],
      });
      renameSync(path.join(work, "render"), binary);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  built = binary;
  return binary;
}

export interface Rendered {
  text: string;
  manifests: Manifest[];
  /** The one manifest of this kind (fails the test when there is not exactly one). */
  one(kind: string): Manifest;
  all(kind: string): Manifest[];
}

/** `helm template driftback deploy/helm/driftback --namespace ci -f <values>`: the manifests, parsed. */
export async function renderChart(values: Record<string, unknown> = {}, options: { name?: string; namespace?: string } = {}): Promise<Rendered> {
  const binary = buildRenderer();
  const dir = mkdtempSync(path.join(tmpdir(), "driftback-chart-values-"));
  const file = path.join(dir, "values.yaml");
  writeFileSync(file, stringify(values));
  try {
    const text = await new Promise<string>((resolve, reject) => {
      execFile(binary, ["-name", options.name ?? "driftback", "-namespace", options.namespace ?? "ci", "-f", file, chartDir], (error, stdout, stderr) => {
        if (error) reject(new Error(stderr.trim() || error.message));
        else resolve(stdout);
      });
    });
    const manifests = parseAllDocuments(text).map((doc) => {
      if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]!.message}`);
      return doc.toJS() as Manifest;
    });
    const all = (kind: string) => manifests.filter((m) => m.kind === kind);
    const one = (kind: string) => {
      const found = all(kind);
      if (found.length !== 1) throw new Error(`expected one ${kind}, rendered ${found.length}`);
      return found[0]!;
    };
    return { text, manifests, one, all };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
