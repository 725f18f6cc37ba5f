import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "./helm.js";

// `docker compose config` cannot run here (no Docker engine): the file is read as compose reads it, merge keys included
const compose = parse(readFileSync(path.join(repoRoot, "docker-compose.yml"), "utf8"), { merge: true });
const services: Record<string, any> = compose.services;
const replicas = Object.entries(services).filter(([, s]) => s.build === ".");
const environment = (service: any): Record<string, string> =>
  Array.isArray(service.environment) ? Object.fromEntries(service.environment.map((e: string) => e.split(/=(.*)/s).slice(0, 2))) : service.environment;

/** What compose does with `${VAR}` and `${VAR:?message}` (from the shell or .env). */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{(\w+)(?::\?[^}]*)?\}/g, (_, name: string) => env[name] ?? "");
}

describe("docker-compose.yml: two replicas sharing one Redis", () => {
  it("builds two driftback replicas from the Dockerfile, with their environment from .env", () => {
    expect(replicas.map(([name]) => name)).toEqual(["driftback-1", "driftback-2"]);
    for (const [, s] of replicas) {
      expect(s.image).toBe("driftback:local");
      expect(s.env_file).toBe(".env");
      expect(environment(s).NODE_ENV).toBe("production");
    }
  });

  it("gives both the same REDIS_URL, naming the redis service, which they wait for until it is healthy", () => {
    const urls = new Set(replicas.map(([, s]) => environment(s).REDIS_URL));
    expect(urls.size).toBe(1);
    const url = new URL(interpolate([...urls][0]!, { REDIS_PASSWORD: "pw" }));
    expect(url.protocol).toBe("redis:");
    const redis = services[url.hostname];
    expect(redis, `no service named ${url.hostname}`).toBeDefined();
    expect(redis.image).toMatch(/^redis:/);
    expect(redis.command.join(" ")).toContain("--maxmemory-policy noeviction");
    expect(redis.healthcheck.test[0]).toBe("CMD-SHELL");
    expect(redis.healthcheck.test[1]).toContain("redis-cli ping");
    for (const [, s] of replicas) expect(s.depends_on).toEqual({ [url.hostname]: { condition: "service_healthy" } });
  });

  it("Redis requires a password, from .env, that the replicas' REDIS_URL carries (terraform on this network never sees it)", () => {
    const url = [...new Set(replicas.map(([, s]) => environment(s).REDIS_URL))][0]!;
    // compose refuses to start without it (${VAR:?message})
    expect(url).toMatch(/^redis:\/\/:\$\{REDIS_PASSWORD:\?[^}]+\}@redis:6379$/);
    expect(new URL(interpolate(url, { REDIS_PASSWORD: "pw" })).password).toBe("pw");
    expect(services.redis.environment.REDIS_PASSWORD).toMatch(/^\$\{REDIS_PASSWORD:\?/);
    expect(services.redis.command.join(" ")).toContain('--requirepass "$$REDIS_PASSWORD"');
    expect(services.redis.healthcheck.test[1]).toContain('REDISCLI_AUTH="$$REDIS_PASSWORD"');
    expect(services.redis.ports).toBeUndefined(); // not published on the host
  });

  it("lets terraform's sandbox (bubblewrap) create its namespaces: seccomp, AppArmor and /proc unmasked, capabilities still dropped", () => {
    for (const [, s] of replicas) {
      expect(s.security_opt).toEqual(["no-new-privileges:true", "seccomp=unconfined", "apparmor=unconfined", "systempaths=unconfined"]);
      expect(s.cap_drop).toEqual(["ALL"]);
      expect(s.privileged).toBeUndefined();
    }
  });

  it("checks each replica's /readyz, on its own host port, with a read-only root filesystem and its own scratch", () => {
    const hostPorts = replicas.map(([, s]) => s.ports[0].split(":")[0]);
    expect(new Set(hostPorts).size).toBe(2);
    for (const [, s] of replicas) {
      expect(s.ports[0]).toMatch(/^\d+:3000$/);
      expect(s.healthcheck.test.join(" ")).toContain("http://127.0.0.1:3000/readyz");
      expect(s.read_only).toBe(true);
      expect(s.tmpfs).toEqual(["/tmp"]);
      expect(s.cap_drop).toEqual(["ALL"]);
      expect(s.volumes).toHaveLength(1);
      expect(s.volumes[0]).toMatch(/^scratch-\d:\/scratch$/);
      // compose's stop timeout covers the app's shutdown grace
      expect(Number.parseInt(s.stop_grace_period, 10)).toBeGreaterThan(Number(environment(s).DRIFTBACK_SHUTDOWN_GRACE_SECONDS));
    }
    expect(new Set(replicas.map(([, s]) => s.volumes[0])).size).toBe(2);
    for (const volume of ["redis-data", "scratch-1", "scratch-2"]) expect(compose.volumes).toHaveProperty(volume);
  });
});
