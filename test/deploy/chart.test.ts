import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildRenderer, chartDir, type Manifest, type Rendered, renderChart, rendererMissing, repoRoot } from "./helm.js";

const missing = rendererMissing();
// CI installs Go and Sprig (.ci/run): there their absence fails the run instead of skipping the chart's tests
if (missing && process.env.CI) throw new Error(`the Helm chart tests cannot run in CI: ${missing}`);
if (missing) console.warn(`Helm chart tests SKIPPED: ${missing}`);

const values = parse(readFileSync(path.join(chartDir, "values.yaml"), "utf8"));
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PRIVATE_KEY|API_KEY|ACCESS_KEY|REDIS_URL|APP_ID)/i;

const podSpec = (r: Rendered) => r.one("Deployment").spec.template.spec;
const container = (r: Rendered) => podSpec(r).containers[0];
const envOf = (r: Rendered): Record<string, any> => Object.fromEntries(container(r).env.map((e: any) => [e.name, e]));

/** Each of `subset`'s labels has the same value in `labels`. */
function expectSubset(subset: Record<string, string>, labels: Record<string, string> | undefined) {
  expect(Object.keys(subset).length).toBeGreaterThan(0);
  for (const [key, value] of Object.entries(subset)) expect(labels?.[key], key).toBe(value);
}

/** What `helm lint` and the API server would refuse without a cluster: names, namespaces, selectors, ports, mounts. */
function lint(r: Rendered, namespace = "ci") {
  expect(r.manifests.length).toBeGreaterThan(0);
  const seen = new Set<string>();
  for (const m of r.manifests) {
    expect(m.apiVersion, "apiVersion").toMatch(/^([a-z0-9.]+\/)?v\d+$/);
    expect(m.kind, "kind").toMatch(/^[A-Z][A-Za-z]+$/);
    expect(m.metadata?.name, `${m.kind} name`).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(m.metadata.name.length).toBeLessThanOrEqual(63);
    expect(m.metadata.namespace).toBe(namespace);
    const id = `${m.kind}/${m.metadata.name}`;
    expect(seen.has(id), `${id} is rendered twice`).toBe(false);
    seen.add(id);
  }
  const deployment = r.one("Deployment");
  const spec = deployment.spec.template.spec;
  expectSubset(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels);
  expectSubset(r.one("Service").spec.selector, deployment.spec.template.metadata.labels);
  for (const pdb of r.all("PodDisruptionBudget")) expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
  const portNames = new Set(spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.name)));
  for (const c of spec.containers) {
    for (const probe of [c.livenessProbe, c.readinessProbe]) expect(portNames.has(probe.httpGet.port), `probe port ${probe.httpGet.port}`).toBe(true);
    const names = c.env.map((e: any) => e.name);
    expect(new Set(names).size, "duplicate env names").toBe(names.length);
    const volumes = new Set(spec.volumes.map((v: any) => v.name));
    for (const mount of c.volumeMounts) expect(volumes.has(mount.name), `volume ${mount.name}`).toBe(true);
  }
  for (const port of r.one("Service").spec.ports) expect(portNames.has(port.targetPort), `Service targetPort ${port.targetPort}`).toBe(true);
  if (spec.serviceAccountName !== "default" && r.all("ServiceAccount").length > 0) expect(r.one("ServiceAccount").metadata.name).toBe(spec.serviceAccountName);
  for (const m of r.all("Secret")) for (const value of Object.values<string>(m.data ?? {})) expect(value).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
  // no secret-looking variable carries a plain value: each comes from a Secret
  for (const c of spec.containers) for (const e of c.env) if (SECRET_NAME.test(e.name)) expect(e.value, `${e.name} has a plain value`).toBeUndefined();
}

describe("Helm chart deploy/helm/driftback: its files", () => {
  it("has a v2 Chart.yaml with a SemVer version and values.yaml that holds no secret value", () => {
    const chart = parse(readFileSync(path.join(chartDir, "Chart.yaml"), "utf8"));
    expect(chart).toMatchObject({ apiVersion: "v2", name: "driftback", type: "application" });
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(values.secrets.create).toBe(false);
    for (const key of ["redisUrl", "appId", "privateKey", "webhookSecret", "scanToken", "stateKey"]) expect(values.secrets[key], key).toBe("");
    expect(values.secrets.cloud).toEqual({});
  });

  it("documents every value in the README's Deploying table", () => {
    const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
    const section = readme.split(/^## Deploying$/m)[1]?.split(/^## /m)[0];
    expect(section, "README has no ## Deploying section").toBeDefined();
    const documented = new Set([...section!.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]));
    const keys: string[] = [];
    const walk = (node: unknown, prefix: string) => {
      if (node && typeof node === "object" && !Array.isArray(node) && Object.keys(node).length > 0 && !["resources", "strategy", "env"].includes(prefix)) {
        for (const [key, value] of Object.entries(node)) walk(value, prefix ? `${prefix}.${key}` : key);
      } else keys.push(prefix);
    };
    walk(values, "");
    expect(keys.length).toBeGreaterThan(30);
    for (const key of keys) expect(documented.has(key), `README's values table misses \`${key}\``).toBe(true);
    for (const key of documented) expect(keys.includes(key!), `README documents \`${key}\`, which values.yaml does not have`).toBe(true);
  });
});

describe.skipIf(!!missing)(`Helm chart deploy/helm/driftback: rendered as helm template does ${missing ? `(SKIPPED: ${missing})` : ""}`, () => {
  let defaults: Rendered;
  beforeAll(async () => {
    buildRenderer();
    defaults = await renderChart();
  }, 180_000);

  it("renders a Deployment, a Service, a ServiceAccount and a PodDisruptionBudget that pass the lint, and no Secret", () => {
    lint(defaults);
    expect(defaults.manifests.map((m) => m.kind).sort()).toEqual(["Deployment", "NetworkPolicy", "PodDisruptionBudget", "Service", "ServiceAccount"]);
    expect(defaults.one("Deployment").spec.replicas).toBe(values.replicaCount);
    expect(defaults.one("Deployment").spec.replicas).toBeGreaterThan(1);
    expect(container(defaults).image).toMatch(/^driftback:\d+\.\d+\.\d+$/);
  });

  it("runs non-root on a read-only root filesystem, without privilege escalation or capabilities", () => {
    const pod = podSpec(defaults);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 });
    expect(container(defaults).securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ["ALL"] } });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it("lets terraform's sandbox create its namespaces: a pod user namespace, an unmasked /proc, seccomp and AppArmor that allow them", () => {
    const pod = podSpec(defaults);
    // Kubernetes accepts procMount Unmasked only in a pod with its own user namespace
    expect(pod.hostUsers).toBe(false);
    expect(pod.securityContext.seccompProfile).toEqual({ type: "Unconfined" });
    expect(container(defaults).securityContext).toEqual({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ["ALL"] },
      procMount: "Unmasked",
      appArmorProfile: { type: "Unconfined" },
    });
    expect(envOf(defaults).DRIFTBACK_ALLOW_UNISOLATED_PLANS).toBeUndefined();
  });

  it("isolation.enabled=false keeps RuntimeDefault and a masked /proc; unisolated plans only when the operator allows them", async () => {
    const off = await renderChart({ isolation: { enabled: false } });
    lint(off);
    expect(podSpec(off).hostUsers).toBeUndefined();
    expect(podSpec(off).securityContext.seccompProfile).toEqual({ type: "RuntimeDefault" });
    expect(container(off).securityContext.procMount).toBeUndefined();
    expect(envOf(off).DRIFTBACK_ALLOW_UNISOLATED_PLANS).toBeUndefined();
    const allowed = await renderChart({ isolation: { enabled: false, allowUnisolatedPlans: true } });
    expect(envOf(allowed).DRIFTBACK_ALLOW_UNISOLATED_PLANS).toEqual({ name: "DRIFTBACK_ALLOW_UNISOLATED_PLANS", value: "true" });
    const localhost = await renderChart({ isolation: { seccompProfile: { type: "Localhost", localhostProfile: "profiles/driftback-bwrap.json" } } });
    expect(podSpec(localhost).securityContext.seccompProfile).toEqual({ type: "Localhost", localhostProfile: "profiles/driftback-bwrap.json" });
  });

  it("renders a NetworkPolicy: ingress only to the http port, egress anywhere but the cloud metadata endpoints", async () => {
    const policy = defaults.one("NetworkPolicy");
    expect(policy.spec.podSelector.matchLabels).toEqual(defaults.one("Deployment").spec.selector.matchLabels);
    expect(policy.spec.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(policy.spec.ingress).toEqual([{ ports: [{ port: "http", protocol: "TCP" }] }]);
    expect(policy.spec.egress).toEqual([{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32", "169.254.170.2/32"] } }, { ipBlock: { cidr: "::/0", except: ["fd00:ec2::254/128"] } }] }]);
    const from = await renderChart({ networkPolicy: { ingressFrom: [{ namespaceSelector: { matchLabels: { name: "ingress" } } }] } });
    expect(from.one("NetworkPolicy").spec.ingress[0].from).toEqual([{ namespaceSelector: { matchLabels: { name: "ingress" } } }]);
    const none = await renderChart({ networkPolicy: { enabled: false } });
    expect(none.all("NetworkPolicy")).toEqual([]);
  });

  it("mounts a writable emptyDir where driftback writes: TMPDIR (checkouts, plans), the provider cache and /tmp", () => {
    const env = envOf(defaults);
    const mounts: Array<{ name: string; mountPath: string; readOnly?: boolean }> = container(defaults).volumeMounts;
    const volumes = Object.fromEntries(podSpec(defaults).volumes.map((v: any) => [v.name, v]));
    const writable = (dir: string) => mounts.some((m) => !m.readOnly && "emptyDir" in volumes[m.name] && (dir === m.mountPath || dir.startsWith(`${m.mountPath}/`)));
    for (const dir of [env.TMPDIR.value, env.DRIFTBACK_PLUGIN_CACHE_DIR.value, "/tmp"]) expect(writable(dir), `${dir} is not on a writable emptyDir`).toBe(true);
    expect(env.TMPDIR.value).toBe("/scratch");
    expect(volumes.scratch.emptyDir).toEqual({ sizeLimit: "20Gi" });
    expect(volumes.tmp.emptyDir).toEqual({ sizeLimit: "1Gi" });
  });

  it("probes liveness on /healthz and readiness on /readyz, and sets resources", () => {
    const c = container(defaults);
    expect(c.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(c.ports).toEqual([{ name: "http", containerPort: 3000, protocol: "TCP" }]);
    expect(envOf(defaults).PORT.value).toBe("3000");
    expect(c.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(c.resources.limits.memory).toEqual(expect.any(String));
  });

  it("reads REDIS_URL and the App's secrets from Secrets, by name, and renders none of their values", () => {
    const env = envOf(defaults);
    expect(env.REDIS_URL.valueFrom.secretKeyRef).toEqual({ name: "driftback-redis", key: "redis-url" });
    expect(env.APP_ID.valueFrom.secretKeyRef).toEqual({ name: "driftback-app", key: "app-id" });
    expect(env.PRIVATE_KEY.valueFrom.secretKeyRef).toEqual({ name: "driftback-app", key: "private-key" });
    expect(env.WEBHOOK_SECRET.valueFrom.secretKeyRef).toEqual({ name: "driftback-app", key: "webhook-secret" });
    // the scan endpoint is optional: the pod starts without the key
    expect(env.DRIFTBACK_SCAN_TOKEN.valueFrom.secretKeyRef).toEqual({ name: "driftback-app", key: "scan-token", optional: true });
    expect(env.DRIFTBACK_STATE_KEY.valueFrom.secretKeyRef).toEqual({ name: "driftback-app", key: "state-key", optional: true });
    expect(container(defaults).envFrom).toBeUndefined();
  });

  it("gives running plans the shutdown grace and the pod 30 s more to stop terraform and give the jobs back", () => {
    expect(envOf(defaults).DRIFTBACK_SHUTDOWN_GRACE_SECONDS.value).toBe("300");
    expect(podSpec(defaults).terminationGracePeriodSeconds).toBe(330);
    expect(defaults.one("PodDisruptionBudget").spec).toMatchObject({ minAvailable: 1 });
    expect(defaults.one("PodDisruptionBudget").spec.maxUnavailable).toBeUndefined();
  });

  it("follows overrides: replicas, Secret names and keys, cloud credentials from a Secret, workload identity, the PDB", async () => {
    const r = await renderChart(
      {
        replicaCount: 5,
        image: { repository: "registry.example/driftback", tag: "1.2.3" },
        redis: { existingSecret: "shared-redis", urlKey: "url", prefix: "team-a" },
        app: { existingSecret: "gh-app", keys: { appId: "id", privateKey: "pem" } },
        cloudCredentials: { existingSecret: "aws-creds" },
        serviceAccount: { name: "driftback-sa", annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/driftback" } },
        podDisruptionBudget: { minAvailable: null, maxUnavailable: "40%" },
        env: { LOG_LEVEL: "debug", DRIFTBACK_PLAN_CONCURRENCY: 6, DRIFTBACK_BIG: 2000000 },
        shutdownGraceSeconds: 60,
      },
      { name: "prod", namespace: "platform" },
    );
    lint(r, "platform");
    const env = envOf(r);
    expect(r.one("Deployment").spec.replicas).toBe(5);
    expect(r.one("Deployment").metadata.name).toBe("prod-driftback");
    expect(container(r).image).toBe("registry.example/driftback:1.2.3");
    expect(env.REDIS_URL.valueFrom.secretKeyRef).toEqual({ name: "shared-redis", key: "url" });
    expect(env.DRIFTBACK_REDIS_PREFIX.value).toBe("team-a");
    expect(env.APP_ID.valueFrom.secretKeyRef).toEqual({ name: "gh-app", key: "id" });
    expect(env.PRIVATE_KEY.valueFrom.secretKeyRef).toEqual({ name: "gh-app", key: "pem" });
    expect(env.WEBHOOK_SECRET.valueFrom.secretKeyRef).toEqual({ name: "gh-app", key: "webhook-secret" });
    expect(env.LOG_LEVEL.value).toBe("debug");
    expect(env.DRIFTBACK_PLAN_CONCURRENCY.value).toBe("6");
    // Helm reads numbers as float64: printed as they were written, not 2e+06
    expect(env.DRIFTBACK_BIG.value).toBe("2000000");
    expect(container(r).envFrom).toEqual([{ secretRef: { name: "aws-creds" } }]);
    expect(r.one("ServiceAccount").metadata.name).toBe("driftback-sa");
    expect(r.one("ServiceAccount").metadata.annotations).toEqual({ "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/driftback" });
    expect(podSpec(r).serviceAccountName).toBe("driftback-sa");
    expect(r.one("PodDisruptionBudget").spec).toMatchObject({ maxUnavailable: "40%" });
    expect(r.one("PodDisruptionBudget").spec.minAvailable).toBeUndefined();
    expect(podSpec(r).terminationGracePeriodSeconds).toBe(90);
  });

  it("uses an existing service account for workload identity when serviceAccount.create is false", async () => {
    const r = await renderChart({ serviceAccount: { create: false, name: "platform-identity" } });
    lint(r);
    expect(r.all("ServiceAccount")).toEqual([]);
    expect(podSpec(r).serviceAccountName).toBe("platform-identity");
  });

  it("renders no PodDisruptionBudget for one replica, and runs in-process without Redis only as one replica", async () => {
    const single = await renderChart({ replicaCount: 1, redis: { enabled: false } });
    lint(single);
    expect(single.all("PodDisruptionBudget")).toEqual([]);
    expect(envOf(single).REDIS_URL).toBeUndefined();
    await expect(renderChart({ replicaCount: 3, redis: { enabled: false } })).rejects.toThrow(/replicaCount > 1 needs redis.enabled/);
    await expect(renderChart({ podDisruptionBudget: { minAvailable: 1, maxUnavailable: 1 } })).rejects.toThrow(/not both/);
    await expect(renderChart({ redis: { existingSecret: "" } })).rejects.toThrow(/redis.existingSecret is required/);
  });

  it("refuses a secret in plain values: env and extraEnv hold names of Secrets only", async () => {
    await expect(renderChart({ env: { PAGERDUTY_API_TOKEN: "pd-token-value" } })).rejects.toThrow(/env.PAGERDUTY_API_TOKEN looks like a secret/);
    await expect(renderChart({ env: { WEBHOOK_SECRET: "x" } })).rejects.toThrow(/set by the chart itself/);
    await expect(renderChart({ extraEnv: [{ name: "JIRA_API_TOKEN", value: "jira-token-value" }] })).rejects.toThrow(/looks like a secret/);
    const r = await renderChart({
      extraEnv: [{ name: "JIRA_API_TOKEN", valueFrom: { secretKeyRef: { name: "incidents", key: "jira" } } }],
      extraEnvFrom: [{ secretRef: { name: "incident-tokens" } }],
    });
    lint(r);
    expect(envOf(r).JIRA_API_TOKEN.valueFrom.secretKeyRef).toEqual({ name: "incidents", key: "jira" });
    expect(container(r).envFrom).toEqual([{ secretRef: { name: "incident-tokens" } }]);
  });

  describe("secrets.create (trying out only)", () => {
    const plain = {
      redisUrl: "redis://:sentinel-redis-password@redis:6379",
      appId: 1234567,
      privateKey: "-----BEGIN RSA PRIVATE KEY-----\nsentinel-private-key\n-----END RSA PRIVATE KEY-----\n",
      webhookSecret: "sentinel-webhook-secret",
      scanToken: "sentinel-scan-token",
      stateKey: "sentinel-state-key-0123456789",
      cloud: { AWS_ACCESS_KEY_ID: "AKIASENTINEL", AWS_SECRET_ACCESS_KEY: "sentinel-aws-secret" },
    };
    let r: Rendered;
    beforeAll(async () => {
      r = await renderChart({ secrets: { create: true, ...plain } });
    });

    it("renders the values base64-encoded in Secrets only, never in plain text in any manifest", () => {
      lint(r);
      for (const value of ["sentinel-redis-password", "sentinel-private-key", "sentinel-webhook-secret", "sentinel-scan-token", "sentinel-state-key", "AKIASENTINEL", "sentinel-aws-secret"]) {
        expect(r.text, `${value} is rendered in plain text`).not.toContain(value);
      }
      const [app, cloud] = r.all("Secret") as [Manifest, Manifest];
      const decoded = (m: Manifest) => Object.fromEntries(Object.entries<string>(m.data).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
      expect(decoded(app)).toEqual({ "redis-url": plain.redisUrl, "app-id": "1234567", "private-key": plain.privateKey, "webhook-secret": plain.webhookSecret, "scan-token": plain.scanToken, "state-key": plain.stateKey });
      expect(decoded(cloud)).toEqual(plain.cloud);
    });

    it("points the Deployment at the created Secrets and rolls the pods when they change", async () => {
      const env = envOf(r);
      const [app, cloud] = r.all("Secret") as [Manifest, Manifest];
      expect(env.REDIS_URL.valueFrom.secretKeyRef).toEqual({ name: app.metadata.name, key: "redis-url" });
      expect(env.PRIVATE_KEY.valueFrom.secretKeyRef).toEqual({ name: app.metadata.name, key: "private-key" });
      expect(container(r).envFrom).toEqual([{ secretRef: { name: cloud.metadata.name } }]);
      const checksum = r.one("Deployment").spec.template.metadata.annotations["checksum/secrets"];
      expect(checksum).toMatch(/^[0-9a-f]{64}$/);
      const rotated = await renderChart({ secrets: { create: true, ...plain, webhookSecret: "rotated" } });
      expect(rotated.one("Deployment").spec.template.metadata.annotations["checksum/secrets"]).not.toBe(checksum);
    });

    it("requires each value the App needs", async () => {
      await expect(renderChart({ secrets: { create: true, ...plain, webhookSecret: "" } })).rejects.toThrow(/secrets.webhookSecret is required with secrets.create/);
    });
  });
});
