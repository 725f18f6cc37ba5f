import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { loadHclParser } from "../../src/adapters/hcl/parser.js";
import { hclToolchain } from "../../src/adapters/hcl/toolchain.js";
import { validateConfig } from "../../src/config/validate.js";
import type { Config } from "../../src/config/schema.js";
import { Masker } from "../../src/core/render/mask.js";
import { alignDifference, AlignInputError, type AlignInput, type Alignment } from "../../src/usecases/align.js";

/** Three environments calling modules/service; prod-us runs 4 replicas by its tfvars. */
const BASE: Record<string, string> = {
  "modules/service/variables.tf": `variable "name" {
  type = string
}

variable "replicas" {
  type    = number
  default = 2
}

variable "db_timeout" {
  type    = string
  default = "10s"
}
`,
  "modules/service/main.tf": `resource "sandbox_deployment" "app" {
  name     = var.name
  replicas = var.replicas
  image    = "registry.local/shop:1.0"
  env = {
    DB_TIMEOUT = var.db_timeout
    LOG_LEVEL  = "info"
  }
}
`,
  "envs/staging/main.tf": `module "shop" {
  source = "../../modules/service"
  name   = "shop-staging"
}
`,
  "envs/prod-us/main.tf": `variable "replicas" {
  type = number
}

module "shop" {
  source   = "../../modules/service"
  name     = "shop-prod-us"
  replicas = var.replicas
}
`,
  "envs/prod-us/prod-us.tfvars": "replicas = 4\n",
  "envs/prod-eu/main.tf": `module "shop" {
  source = "../../modules/service"
  name   = "shop-prod-eu"
}
`,
};

const WORKSPACES = `workspaces:
  - name: staging
    dir: envs/staging
  - name: prod-us
    dir: envs/prod-us
    var_files: [prod-us.tfvars]
  - name: prod-eu
    dir: envs/prod-eu
`;

function repository(files: Record<string, string>, extraConfig = ""): { dir: string; config: Config } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "driftback-align-"));
  const all = { ...files, ".github/driftback.yml": WORKSPACES + extraConfig };
  for (const [file, text] of Object.entries(all)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  const result = validateConfig(parseYaml(WORKSPACES + extraConfig));
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return { dir, config: result.config };
}

type Deployment = { name: string; replicas: number; image: string; env: Record<string, string> };
const deployment = (env: string, over: Partial<Deployment> = {}): Deployment => ({ name: `shop-${env}`, replicas: 2, image: "registry.local/shop:1.0", env: { DB_TIMEOUT: "10s", LOG_LEVEL: "info" }, ...over });

/** A `show -json` of one environment: the deployment as state recorded it, live, and as the code plans it. */
function planJson(recorded: Deployment, live: Deployment, planned: Deployment): string {
  const resource = (before: unknown, after: unknown, actions: string[]) => ({
    address: "module.shop.sandbox_deployment.app",
    module_address: "module.shop",
    mode: "managed",
    type: "sandbox_deployment",
    name: "app",
    provider_name: "example.com/driftback/sandbox",
    change: { actions, before, after, after_unknown: {}, before_sensitive: {}, after_sensitive: {} },
  });
  const same = JSON.stringify(live) === JSON.stringify(planned);
  const drifted = JSON.stringify(recorded) !== JSON.stringify(live);
  return JSON.stringify({
    format_version: "1.2",
    terraform_version: "1.11.0",
    resource_changes: [resource(live, planned, same ? ["no-op"] : ["update"])],
    resource_drift: drifted ? [resource(recorded, live, ["update"])] : [],
    output_changes: {},
    errored: false,
  });
}

async function align(dir: string, config: Config, request: Partial<AlignInput> & Pick<AlignInput, "group" | "resource" | "attribute" | "to">): Promise<Alignment> {
  return alignDifference({ parser: await loadHclParser(), toolchain: hclToolchain }, { checkoutDir: dir, config, masker: new Masker(config.mask), ...request });
}

const text = (alignment: Alignment, file: string) => alignment.files.get(file);

describe("alignDifference (issue 16 §6)", () => {
  it("aligns replicas, a module input prod-us sets through its tfvars, to staging's: only prod-us's var file changes", async () => {
    const { dir, config } = repository(BASE);
    const result = await align(dir, config, { group: "modules/service", resource: "module.shop", attribute: "replicas", to: "staging" });
    expect(result.value).toBe(2);
    expect(result.origin).toBe("declared");
    expect([...result.files.keys()]).toEqual(["envs/prod-us/prod-us.tfvars"]);
    expect(text(result, "envs/prod-us/prod-us.tfvars")).toBe("replicas = 2\n");
    expect(result.aligned).toEqual([expect.objectContaining({ member: "prod-us", workspace: "prod-us", files: ["envs/prod-us/prod-us.tfvars"] })]);
    expect(result.unchanged.map((u) => u.member)).toEqual(["prod-eu"]);
    expect(result.refused).toEqual([]);
    expect(result.diffs[0]!.diff).toContain("-replicas = 4\n+replicas = 2");
    expect(result.key).toBe("align:modules/service:module.shop:replicas:staging");
  });

  it("aligns replicas to prod-us's: staging and prod-eu set the input in their own calls, the module is untouched", async () => {
    const { dir, config } = repository(BASE);
    const result = await align(dir, config, { group: "modules/service", resource: "module.shop", attribute: "replicas", to: "prod-us" });
    expect(result.value).toBe(4);
    expect([...result.files.keys()]).toEqual(["envs/prod-eu/main.tf", "envs/staging/main.tf"]);
    expect(text(result, "envs/staging/main.tf")).toBe(`module "shop" {
  source   = "../../modules/service"
  name     = "shop-staging"
  replicas = 4
}
`);
    expect(result.aligned.map((a) => a.member)).toEqual(["staging", "prod-eu"]);
    expect(result.expectations).toEqual([
      { member: "staging", workspace: "staging", kind: "input", instance: "module.shop" },
      { member: "prod-eu", workspace: "prod-eu", kind: "input", instance: "module.shop" },
    ]);
  });

  it("aligns a module attribute not exposed as an input to the member whose live value drifted: the module is parameterized (default today's literal), each member's call sets the value", async () => {
    const { dir, config } = repository(BASE);
    const drifted = deployment("prod-eu", { image: "registry.local/shop:1.1" });
    const plans = new Map([
      ["staging", planJson(deployment("staging"), deployment("staging"), deployment("staging"))],
      ["prod-us", planJson(deployment("prod-us", { replicas: 4 }), deployment("prod-us", { replicas: 4 }), deployment("prod-us", { replicas: 4 }))],
      ["prod-eu", planJson(deployment("prod-eu"), drifted, deployment("prod-eu"))],
    ]);
    const result = await align(dir, config, { group: "modules/service", resource: "sandbox_deployment.app", attribute: "image", to: "prod-eu", plans });
    expect(result.origin).toBe("live");
    expect(result.value).toBe("registry.local/shop:1.1");
    expect(result.refused).toEqual([]);
    expect(result.aligned.map((a) => [a.member, a.source ?? false])).toEqual([
      ["staging", false],
      ["prod-us", false],
      ["prod-eu", true],
    ]);
    expect(text(result, "modules/service/main.tf")).toContain("image    = var.image");
    // every other caller keeps today's value: the new input's default
    expect(text(result, "modules/service/variables.tf")).toMatch(/variable "image" \{[^}]*default\s+= "registry.local\/shop:1.0"/);
    for (const env of ["staging", "prod-us", "prod-eu"]) expect(text(result, `envs/${env}/main.tf`)).toMatch(/image\s+= "registry.local\/shop:1.1"/);
    expect(result.expectations[0]).toEqual({ member: "staging", workspace: "staging", kind: "attribute", address: "module.shop.sandbox_deployment.app", path: ["image"], value: "registry.local/shop:1.1" });
  });

  it("in a group of two of the three callers, the caller outside the group keeps the module's value", async () => {
    const { dir, config } = repository(BASE, "parity:\n  - name: prod\n    workspaces: [prod-*]\n");
    const plans = new Map([
      ["prod-us", planJson(deployment("prod-us", { replicas: 4 }), deployment("prod-us", { replicas: 4 }), deployment("prod-us", { replicas: 4 }))],
      ["prod-eu", planJson(deployment("prod-eu"), deployment("prod-eu", { env: { DB_TIMEOUT: "60s", LOG_LEVEL: "info" } }), deployment("prod-eu"))],
    ]);
    const result = await align(dir, config, { group: "prod", resource: "module.shop.sandbox_deployment.app", attribute: "env.DB_TIMEOUT", to: "prod-eu", plans });
    expect(result.value).toBe("60s");
    expect(result.aligned.map((a) => a.member)).toEqual(["prod-us", "prod-eu"]);
    expect([...result.files.keys()]).toEqual(["envs/prod-eu/main.tf", "envs/prod-us/main.tf"]);
    expect(text(result, "envs/prod-us/main.tf")).toContain('db_timeout = "60s"');
  });

  it("in a group of whole workspaces, a root variable is set where the member alone sets it (its default here)", async () => {
    const files = {
      ...BASE,
      "envs/prod-eu/main.tf": `variable "replicas" {
  type    = number
  default = 3
}

module "shop" {
  source   = "../../modules/service"
  name     = "shop-prod-eu"
  replicas = var.replicas
}
`,
    };
    const { dir, config } = repository(files, "parity:\n  - name: prod\n    workspaces: [prod-*]\n");
    const result = await align(dir, config, { group: "prod", resource: "var", attribute: "replicas", to: "prod-us" });
    expect(result.value).toBe(4);
    expect(result.refused).toEqual([]);
    expect([...result.files.keys()]).toEqual(["envs/prod-eu/main.tf"]);
    expect(text(result, "envs/prod-eu/main.tf")).toContain("default = 4");
    expect(result.expectations).toEqual([{ member: "prod-eu", workspace: "prod-eu", kind: "input", instance: "" }]);
  });

  it("a live difference caused by code is aligned to the source's planned value, through the same var file", async () => {
    const { dir, config } = repository(BASE);
    const plans = new Map([
      ["staging", planJson(deployment("staging"), deployment("staging"), deployment("staging"))],
      ["prod-us", planJson(deployment("prod-us", { replicas: 4 }), deployment("prod-us", { replicas: 4 }), deployment("prod-us", { replicas: 4 }))],
      ["prod-eu", planJson(deployment("prod-eu"), deployment("prod-eu"), deployment("prod-eu"))],
    ]);
    const result = await align(dir, config, { group: "modules/service", resource: "sandbox_deployment.app", attribute: "replicas", to: "staging", plans });
    expect(result.origin).toBe("planned");
    expect(result.value).toBe(2);
    expect([...result.files]).toEqual([["envs/prod-us/prod-us.tfvars", "replicas = 2\n"]]);
    expect(result.unchanged).toEqual([{ member: "prod-eu", why: "it already has the value" }]);
    expect(result.expectations).toEqual([{ member: "prod-us", workspace: "prod-us", kind: "attribute", address: "module.shop.sandbox_deployment.app", path: ["replicas"], value: 2 }]);
  });

  describe("refusals and bad input", () => {
    it("an unknown group lists the known ones", async () => {
      const { dir, config } = repository(BASE);
      await expect(align(dir, config, { group: "shop", resource: "module.shop", attribute: "replicas", to: "staging" })).rejects.toThrow(/no parity group `shop`: the repository's groups are `modules\/service`/);
    });

    it("an unknown member lists the members", async () => {
      const { dir, config } = repository(BASE);
      await expect(align(dir, config, { group: "modules/service", resource: "module.shop", attribute: "replicas", to: "dev" })).rejects.toThrow(/`dev` is not a member of group `modules\/service` \(its members: `staging`, `prod-us`, `prod-eu`\)/);
    });

    it("a difference the group does not have lists the ones it has", async () => {
      const { dir, config } = repository(BASE);
      const error = await align(dir, config, { group: "modules/service", resource: "module.shop", attribute: "db_timeout", to: "staging" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AlignInputError);
      expect((error as Error).message).toMatch(/has no difference at `module.shop` `db_timeout`: its differences are declared `module.shop` `replicas`/);
    });

    it("a sensitive source value is never written", async () => {
      const files = {
        ...BASE,
        "modules/service/variables.tf": `${BASE["modules/service/variables.tf"]}
variable "api_key" {
  type      = string
  default   = "k1"
  sensitive = true
}
`,
        "envs/prod-eu/main.tf": `module "shop" {
  source  = "../../modules/service"
  name    = "shop-prod-eu"
  api_key = "k2"
}
`,
      };
      const { dir, config } = repository(files);
      await expect(align(dir, config, { group: "modules/service", resource: "module.shop", attribute: "api_key", to: "prod-eu" })).rejects.toThrow(/`prod-eu`'s value is sensitive: driftback never writes a secret into code/);
    });

    it("a source value that is unknown is refused", async () => {
      const files = {
        ...BASE,
        "envs/prod-us/main.tf": BASE["envs/prod-us/main.tf"]!.replace("replicas = var.replicas", "replicas = max(3, 5)"),
        "envs/prod-eu/main.tf": BASE["envs/prod-eu/main.tf"]!.replace('name   = "shop-prod-eu"', 'name     = "shop-prod-eu"\n  replicas = 3'),
      };
      const { dir, config } = repository(files);
      await expect(align(dir, config, { group: "modules/service", resource: "module.shop", attribute: "replicas", to: "prod-us" })).rejects.toThrow(/cannot align to `prod-us`: `prod-us`'s value is unknown/);
    });

    it("a member whose value is an expression, or whose root another workspace plans too, is refused by name; the others are aligned", async () => {
      const files = {
        ...BASE,
        "envs/staging/main.tf": BASE["envs/staging/main.tf"]!.replace('name   = "shop-staging"', 'name     = "shop-staging"\n  replicas = max(1, 2)'),
        "envs/prod-eu/main.tf": `variable "replicas" {
  type = number
}

module "shop" {
  source   = "../../modules/service"
  name     = "shop-prod-eu"
  replicas = var.replicas
}
`,
        "envs/prod-eu/common.tfvars": "replicas = 3\n",
        "envs/dev/main.tf": BASE["envs/staging/main.tf"]!.replace("shop-staging", "shop-dev"),
      };
      const workspaces = `${WORKSPACES}    var_files: [common.tfvars]
  - name: eu-canary
    dir: envs/prod-eu
    workspace: canary
    var_files: [common.tfvars]
  - name: dev
    dir: envs/dev
`;
      const { dir, config } = repositoryWith(files, workspaces);
      const result = await align(dir, config, { group: "modules/service", resource: "module.shop", attribute: "replicas", to: "prod-us" });
      expect(result.aligned.map((a) => a.member)).toEqual(["dev"]);
      expect(result.refused).toEqual([
        { member: "staging", reason: expect.stringContaining("driftback only rewrites literal values") },
        { member: "prod-eu", reason: expect.stringMatching(/shared code \(`envs\/prod-eu` is also evaluated by `eu-canary`/) },
        { member: "eu-canary", reason: expect.stringMatching(/shared code \(`envs\/prod-eu` is also evaluated by `prod-eu`/) },
      ]);
      expect([...result.files.keys()]).toEqual(["envs/dev/main.tf"]);
    });
  });
});

function repositoryWith(files: Record<string, string>, workspaces: string): { dir: string; config: Config } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "driftback-align-"));
  for (const [file, body] of Object.entries({ ...files, ".github/driftback.yml": workspaces })) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), body);
  }
  const result = validateConfig(parseYaml(workspaces));
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return { dir, config: result.config };
}

describe("driftback align (CLI)", () => {
  it("--dry-run prints each member's outcome and the diffs, writes nothing; without it the files are written", async () => {
    const { runCli } = await import("../support/run-cli.js");
    const { readFileSync } = await import("node:fs");
    const { dir } = repository(BASE);
    const args = ["align", "--dir", dir, "--group", "modules/service", "--resource", "module.shop", "--attribute", "replicas", "--to", "staging"];
    const dry = await runCli([...args, "--dry-run"]);
    expect(dry.err).toBe("");
    expect(dry.code).toBe(0);
    expect(dry.out).toContain("- **prod-us**: aligned: `replicas` in `envs/prod-us/prod-us.tfvars`");
    expect(dry.out).toContain("- **prod-eu**: no edit: its code already declares the value");
    expect(dry.out).toContain("-replicas = 4\n+replicas = 2");
    expect(dry.out).toContain("Dry run: nothing was written.");
    expect(readFileSync(path.join(dir, "envs/prod-us/prod-us.tfvars"), "utf8")).toBe("replicas = 4\n");
    const json = await runCli([...args, "--dry-run", "--format", "json"]);
    expect(JSON.parse(json.out)).toMatchObject({ key: "align:modules/service:module.shop:replicas:staging", value: 2, origin: "declared", aligned: [{ member: "prod-us" }], refused: [], files: [{ path: "envs/prod-us/prod-us.tfvars" }], written: [] });
    const real = await runCli(args);
    expect(real.code).toBe(0);
    expect(readFileSync(path.join(dir, "envs/prod-us/prod-us.tfvars"), "utf8")).toBe("replicas = 2\n");
  });

  it("bad input is one line naming what exists", async () => {
    const { runCli } = await import("../support/run-cli.js");
    const { dir } = repository(BASE);
    const run = await runCli(["align", "--dir", dir, "--group", "modules/service", "--resource", "module.shop", "--attribute", "replicas", "--to", "qa", "--dry-run"]);
    expect(run.code).toBe(1);
    expect(run.err).toBe("driftback: `qa` is not a member of group `modules/service` (its members: `staging`, `prod-us`, `prod-eu`)\n");
  });
});

describe("alignCommand --verify", () => {
  it("a verification that finds another change writes nothing and exits 1, naming the workspace", async () => {
    const { alignCommand } = await import("../../src/commands/align.js");
    const { readFileSync } = await import("node:fs");
    const { dir } = repository(BASE);
    const change = (address: string, actions: string[]) => ({ address, mode: "managed", type: "sandbox_deployment", name: address.split(".").at(-1), provider_name: "p", change: { actions, before: { replicas: 1 }, after: { replicas: actions[0] === "update" ? 9 : 1 }, after_unknown: {}, before_sensitive: {}, after_sensitive: {} } });
    // the edited copy of prod-us would also change a root resource outside the module instance
    const terraform = {
      plan: async (request: { dir: string }) => {
        const edited = request.dir.endsWith("envs/prod-us") && readFileSync(path.join(request.dir, "prod-us.tfvars"), "utf8").includes("replicas = 2");
        const changes = [change("module.shop.sandbox_deployment.app", ["no-op"]), change("sandbox_deployment.other", [edited ? "update" : "no-op"])];
        return { ok: true as const, planJson: JSON.stringify({ format_version: "1.2", resource_changes: changes, output_changes: {}, errored: false }) };
      },
    };
    const result = await alignCommand({ dir, group: "modules/service", resource: "module.shop", attribute: "replicas", to: "staging", planJson: [], dryRun: false, verify: true, format: "markdown", terraform });
    expect(result.exitCode).toBe(1);
    expect(result.written).toEqual([]);
    expect(result.text).toContain("Verification found problems; nothing was written:");
    expect(result.text).toContain("- `prod-us`: applying the edits would change more than the aligned value: `sandbox_deployment.other` would now change");
    expect(readFileSync(path.join(dir, "envs/prod-us/prod-us.tfvars"), "utf8")).toBe("replicas = 4\n");
  });
});
