import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { chartDir, repoRoot } from "./helm.js";

// No Docker engine runs in CI: the Dockerfile is read, and checked against what the chart and compose file expect
const dockerfile = readFileSync(path.join(repoRoot, "Dockerfile"), "utf8");
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .filter((line) => line.trim() && !line.trim().startsWith("#"))
  .map((line) => {
    const [, keyword, rest] = /^\s*(\w+)\s+(.*)$/.exec(line)!;
    return { keyword: keyword!.toUpperCase(), args: rest!.trim() };
  });
const runtime = instructions.slice(instructions.map((i) => i.keyword).lastIndexOf("FROM"));
const last = (keyword: string) => runtime.filter((i) => i.keyword === keyword).at(-1)?.args;
const env = Object.fromEntries(
  runtime.filter((i) => i.keyword === "ENV").flatMap((i) => [...i.args.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]])),
);
const values = parse(readFileSync(path.join(chartDir, "values.yaml"), "utf8"));
const pkg = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8"));

describe("Dockerfile: the image the chart runs", () => {
  it("runs what `npm start` runs, under tini", () => {
    expect(JSON.parse(last("CMD")!).join(" ")).toBe(pkg.scripts.start);
    expect(JSON.parse(last("ENTRYPOINT")!)).toEqual(["/usr/bin/tini", "--"]);
    expect(runtime.some((i) => i.keyword === "RUN" && /apt-get install .*\btini\b/.test(i.args))).toBe(true);
  });

  it("installs bubblewrap, which terraform runs under (not setuid: the container must allow user namespaces)", () => {
    expect(runtime.some((i) => i.keyword === "RUN" && /apt-get install .*\bbubblewrap\b/.test(i.args))).toBe(true);
    expect(runtime.some((i) => i.keyword === "RUN" && /chmod [ugo]*\+s|chmod [0-7]*4[0-7]{3} .*bwrap/.test(i.args))).toBe(false);
  });

  it("runs as a fixed non-root UID, the chart's runAsUser", () => {
    const [uid, gid] = last("USER")!.split(":");
    expect(uid).toMatch(/^[1-9]\d*$/);
    expect(Number(uid)).toBe(values.podSecurityContext.runAsUser);
    expect(Number(gid)).toBe(values.podSecurityContext.runAsGroup);
  });

  it("points TMPDIR and the provider cache at a scratch directory that user owns, where the chart mounts its volume", () => {
    expect(env.TMPDIR).toBe(values.scratch.mountPath);
    expect(env.DRIFTBACK_PLUGIN_CACHE_DIR).toBe(`${values.scratch.mountPath}/plugin-cache`);
    const uid = last("USER")!.split(":")[0];
    expect(runtime.some((i) => i.keyword === "RUN" && i.args.includes(`mkdir -p ${env.TMPDIR}`) && i.args.includes(`chown ${uid}:${uid} ${env.TMPDIR}`))).toBe(true);
  });

  it("listens where the chart's probes and Service look, and checks /healthz", () => {
    expect(env.PORT).toBe(String(values.containerPort));
    expect(env.HOST).toBe("0.0.0.0");
    expect(last("EXPOSE")).toBe(String(values.containerPort));
    expect(last("HEALTHCHECK")).toContain("/healthz");
  });

  it("installs pinned, verified terraform and tofu into the runtime image", () => {
    expect(instructions.some((i) => i.keyword === "RUN" && /install-cli\.sh terraform "\$TERRAFORM_VERSION"/.test(i.args))).toBe(true);
    expect(instructions.some((i) => i.keyword === "RUN" && /install-cli\.sh tofu "\$TOFU_VERSION"/.test(i.args))).toBe(true);
    expect(runtime.some((i) => i.keyword === "COPY" && i.args === "--from=tools /out/terraform /out/tofu /usr/local/bin/")).toBe(true);
  });

  it("keeps secrets and local state out of the build context", () => {
    const ignored = readFileSync(path.join(repoRoot, ".dockerignore"), "utf8").split("\n");
    for (const entry of [".env", "*.pem", "node_modules", ".git"]) expect(ignored).toContain(entry);
  });
});
