import { describe, expect, it } from "vitest";
import { expandInstances, liveDifferences } from "../../../src/core/parity/live.js";
import { addressInside } from "../../../src/core/parity/instances.js";
import { parsePlan } from "../../../src/core/plan/parse.js";
import type { PlanModel } from "../../../src/core/plan/model.js";
import type { MemberValue, ParityDriftItem, ParityGroup, ParityMember } from "../../../src/core/parity/types.js";
import { readSharedPlan, sharedAvailable, sharedPlanFiles } from "../../support/shared.js";
import { sensitiveLiterals } from "../../support/markdown.js";

/** One entry of `resource_changes`/`resource_drift` as `terraform show -json` writes it. */
interface Entry {
  address: string;
  before?: unknown;
  after?: unknown;
  actions?: string[];
  before_sensitive?: unknown;
  after_sensitive?: unknown;
  after_unknown?: unknown;
}

function entry(e: Entry) {
  const calls = /^(?:module\.[A-Za-z_][A-Za-z0-9_-]*(?:\[[^\]]+\])?\.)*/.exec(e.address)![0];
  const moduleAddress = calls.replace(/\.$/, "");
  const own = e.address.slice(calls.length);
  const data = own.startsWith("data.");
  const [type, name] = own.replace(/^data\./, "").replace(/\[.*\]$/, "").split(".");
  const before = e.before ?? null;
  const after = e.after === undefined ? null : e.after;
  const actions = e.actions ?? (before === null ? ["create"] : after === null ? ["delete"] : JSON.stringify(before) === JSON.stringify(after) ? ["no-op"] : ["update"]);
  return {
    address: e.address,
    ...(moduleAddress && { module_address: moduleAddress }),
    mode: data ? "data" : "managed",
    type,
    name,
    provider_name: "registry.terraform.io/hashicorp/sandbox",
    change: {
      actions,
      before,
      after,
      after_unknown: e.after_unknown ?? {},
      before_sensitive: e.before_sensitive ?? {},
      after_sensitive: e.after_sensitive ?? {},
    },
  };
}

function plan(changes: Entry[], drift: Entry[] = []): PlanModel {
  return parsePlan({
    format_version: "1.2",
    terraform_version: "1.9.8",
    planned_values: {},
    resource_changes: changes.map(entry),
    resource_drift: drift.map((d) => ({ ...entry(d), change: { ...entry(d).change, actions: d.actions ?? ["update"] } })),
  });
}

const member = (workspace: string, modules: ParityMember["modules"] = [{ name: "shop" }], extra: Partial<ParityMember> = {}): ParityMember => ({
  id: workspace,
  workspace,
  root: `envs/${workspace}`,
  modules,
  ...extra,
});

const shopGroup = (expected: ParityGroup["expected"] = []): ParityGroup => ({
  name: "shop",
  origin: "automatic",
  module: "modules/shop",
  members: [member("staging"), member("prod-us"), member("prod-eu")],
  expected,
});

const APP = "module.shop.sandbox_deployment.app";
const app = (env: Record<string, string>, replicas = 2) => ({ name: "app", replicas, env });
const settled = (value: unknown): Entry => ({ address: APP, before: value, after: value });

/** staging and prod-us at 10s; prod-eu changed to 60s in the console, the plan sets it back. */
function driftedPlans() {
  return new Map<string, PlanModel>([
    ["staging", plan([settled(app({ DB_TIMEOUT: "10s", LOG: "info" }))])],
    ["prod-us", plan([settled(app({ DB_TIMEOUT: "10s", LOG: "info" }))])],
    [
      "prod-eu",
      plan(
        [{ address: APP, before: app({ DB_TIMEOUT: "60s", LOG: "info" }), after: app({ DB_TIMEOUT: "10s", LOG: "info" }) }],
        [{ address: APP, before: app({ DB_TIMEOUT: "10s", LOG: "info" }), after: app({ DB_TIMEOUT: "60s", LOG: "info" }) }],
      ),
    ],
  ]);
}

const driftItem: ParityDriftItem = {
  workspace: "prod-eu",
  address: APP,
  pathText: "env.DB_TIMEOUT",
  fingerprint: "fp-db-timeout",
  firstSeen: "2026-11-30T08:00:00Z",
  incident: "prod-eu/db-timeout",
};

const v = (value: unknown): MemberValue => ({ value: value as never });

describe("liveDifferences: causes", () => {
  it("calls prod-eu's console change drift and links its drift item", () => {
    const result = liveDifferences(shopGroup(), driftedPlans(), [driftItem]);
    expect(result.unknown).toEqual([]);
    expect(result.differences).toEqual([
      {
        kind: "live",
        resource: "sandbox_deployment.app",
        attribute: "env.DB_TIMEOUT",
        values: { staging: v("10s"), "prod-us": v("10s"), "prod-eu": v("60s") },
        cause: "drift",
        drift: [{ member: "prod-eu", fingerprint: "fp-db-timeout", firstSeen: "2026-11-30T08:00:00Z", incident: "prod-eu/db-timeout" }],
      },
    ]);
  });

  it("names the drifted member alone when resource_drift shows it but no item was tracked", () => {
    const [difference] = liveDifferences(shopGroup(), driftedPlans()).differences;
    expect(difference?.cause).toBe("drift");
    expect(difference?.drift).toEqual([{ member: "prod-eu" }]);
  });

  it("takes a tracked item as drift evidence without resource_drift, but not an item of another workspace or address", () => {
    const plans = driftedPlans();
    const noDriftEntries = plan([{ address: APP, before: app({ DB_TIMEOUT: "60s", LOG: "info" }), after: app({ DB_TIMEOUT: "10s", LOG: "info" }) }]);
    plans.set("prod-eu", noDriftEntries);
    const linked = liveDifferences(shopGroup(), plans, [driftItem]).differences[0];
    expect(linked?.cause).toBe("drift");
    expect(linked?.drift?.[0]?.fingerprint).toBe("fp-db-timeout");
    const elsewhere = [
      { ...driftItem, workspace: "prod-us" },
      { ...driftItem, address: "sandbox_deployment.app" },
      { ...driftItem, pathText: "env.LOG" },
    ];
    expect(liveDifferences(shopGroup(), plans, elsewhere).differences[0]?.cause).toBe("unapplied");
  });

  it("calls a value the members declare differently code", () => {
    const plans = driftedPlans();
    plans.set("prod-eu", plan([settled(app({ DB_TIMEOUT: "10s", LOG: "info" }, 6))]));
    const result = liveDifferences(shopGroup(), plans);
    expect(result.differences).toEqual([
      { kind: "live", resource: "sandbox_deployment.app", attribute: "replicas", values: { staging: v(2), "prod-us": v(2), "prod-eu": v(6) }, cause: "code" },
    ]);
  });

  it("calls a member that declares another value code, though its live value also lags or drifted", () => {
    const lagging = driftedPlans();
    lagging.set("prod-eu", plan([{ address: APP, before: app({ DB_TIMEOUT: "60s", LOG: "info" }), after: app({ DB_TIMEOUT: "30s", LOG: "info" }) }]));
    expect(liveDifferences(shopGroup(), lagging).differences.map((d) => [d.attribute, d.cause])).toEqual([["env.DB_TIMEOUT", "code"]]);
    const drifted = driftedPlans();
    drifted.set(
      "prod-eu",
      plan(
        [{ address: APP, before: app({ DB_TIMEOUT: "60s", LOG: "info" }), after: app({ DB_TIMEOUT: "30s", LOG: "info" }) }],
        [{ address: APP, before: app({ DB_TIMEOUT: "30s", LOG: "info" }), after: app({ DB_TIMEOUT: "60s", LOG: "info" }) }],
      ),
    );
    const [difference] = liveDifferences(shopGroup(), drifted, [driftItem]).differences;
    expect(difference).toMatchObject({ attribute: "env.DB_TIMEOUT", cause: "code" });
    expect(difference?.drift).toBeUndefined();
  });

  it("calls a change one member has not applied unapplied (its code agrees, its live value lags)", () => {
    const plans = new Map([
      ["staging", plan([settled(app({ DB_TIMEOUT: "20s" }))])],
      ["prod-us", plan([{ address: APP, before: app({ DB_TIMEOUT: "10s" }), after: app({ DB_TIMEOUT: "20s" }) }])],
      ["prod-eu", plan([settled(app({ DB_TIMEOUT: "20s" }))])],
    ]);
    const [difference, ...rest] = liveDifferences(shopGroup(), plans).differences;
    expect(rest).toEqual([]);
    expect(difference).toMatchObject({ attribute: "env.DB_TIMEOUT", cause: "unapplied", values: { staging: v("20s"), "prod-us": v("10s"), "prod-eu": v("20s") } });
    expect(difference?.drift).toBeUndefined();
  });

  it("finds no live difference where only the code differs and nothing is applied yet", () => {
    const plans = new Map([
      ["staging", plan([settled(app({ DB_TIMEOUT: "10s" }))])],
      ["prod-us", plan([{ address: APP, before: app({ DB_TIMEOUT: "10s" }), after: app({ DB_TIMEOUT: "30s" }) }])],
      ["prod-eu", plan([settled(app({ DB_TIMEOUT: "10s" }))])],
    ]);
    expect(liveDifferences(shopGroup(), plans).differences).toEqual([]);
  });

  it("calls drift the plan does not set back code, as drift classification calls it noise", () => {
    const plans = driftedPlans();
    const kept = app({ DB_TIMEOUT: "60s", LOG: "info" });
    plans.set("prod-eu", plan([settled(kept)], [{ address: APP, before: app({ DB_TIMEOUT: "10s", LOG: "info" }), after: kept }]));
    const [difference] = liveDifferences(shopGroup(), plans, [driftItem]).differences;
    expect(difference?.cause).toBe("code");
    expect(difference?.drift).toBeUndefined();
  });

  it("calls a live value apply will recompute (known after apply) unapplied, and never code", () => {
    const plans = driftedPlans();
    plans.set(
      "prod-eu",
      plan([{ address: APP, before: app({ DB_TIMEOUT: "60s", LOG: "info" }), after: { name: "app", replicas: 2, env: { LOG: "info" } }, after_unknown: { env: { DB_TIMEOUT: true } } }]),
    );
    const [difference] = liveDifferences(shopGroup(), plans).differences;
    expect(difference).toMatchObject({ attribute: "env.DB_TIMEOUT", cause: "unapplied" });
  });
});

describe("liveDifferences: values", () => {
  const SECRET_STAGING = "hunter2-shared";
  const SECRET_EU = "s3cret-only-in-eu";
  const withPassword = (password: string) => ({ address: APP, before: { name: "app", password }, after: { name: "app", password }, before_sensitive: { password: true }, after_sensitive: { password: true } });

  it("compares sensitive values by hash and never puts them in the result", () => {
    const plans = new Map([
      ["staging", plan([withPassword(SECRET_STAGING)])],
      ["prod-us", plan([withPassword(SECRET_STAGING)])],
      ["prod-eu", plan([withPassword(SECRET_EU)])],
    ]);
    const result = liveDifferences(shopGroup(), plans);
    expect(result.differences).toHaveLength(1);
    const [difference] = result.differences;
    expect(difference).toMatchObject({ attribute: "password", cause: "code" });
    const values = difference!.values as Record<string, { sensitive: true; hash: string }>;
    expect(Object.values(values).every((value) => value.sensitive === true)).toBe(true);
    expect(values.staging!.hash).toBe(values["prod-us"]!.hash);
    expect(values["prod-eu"]!.hash).not.toBe(values.staging!.hash);
    const json = JSON.stringify(result);
    expect(json).not.toContain(SECRET_STAGING);
    expect(json).not.toContain(SECRET_EU);
  });

  it("finds no difference between equal sensitive values", () => {
    const plans = new Map(["staging", "prod-us", "prod-eu"].map((ws) => [ws, plan([withPassword(SECRET_STAGING)])]));
    expect(liveDifferences(shopGroup(), plans).differences).toEqual([]);
  });

  const QUEUE = "module.shop.sandbox_queue.jobs";
  const queue = { name: "jobs", retention: 7 };

  it("shows a resource about to be created as absent live: one difference on the whole resource, cause unapplied", () => {
    const plans = driftedPlans();
    plans.set("staging", plan([settled(app({ DB_TIMEOUT: "10s", LOG: "info" })), { address: QUEUE, before: queue, after: queue }]));
    plans.set("prod-us", plan([settled(app({ DB_TIMEOUT: "10s", LOG: "info" })), { address: QUEUE, before: queue, after: queue }]));
    plans.set("prod-eu", plan([settled(app({ DB_TIMEOUT: "10s", LOG: "info" })), { address: QUEUE, after: queue }]));
    expect(liveDifferences(shopGroup(), plans).differences).toEqual([
      { kind: "live", resource: "sandbox_queue.jobs", attribute: "", values: { staging: v("present"), "prod-us": v("present"), "prod-eu": { absent: true } }, cause: "unapplied" },
    ]);
  });

  it("calls a resource one member's code does not have code, and one deleted outside terraform drift", () => {
    const base = [settled(app({ DB_TIMEOUT: "10s", LOG: "info" })), { address: QUEUE, before: queue, after: queue }];
    const withoutIt = new Map([
      ["staging", plan(base)],
      ["prod-us", plan(base)],
      ["prod-eu", plan([settled(app({ DB_TIMEOUT: "10s", LOG: "info" }))])],
    ]);
    expect(liveDifferences(shopGroup(), withoutIt).differences.map((d) => [d.resource, d.attribute, d.cause])).toEqual([["sandbox_queue.jobs", "", "code"]]);

    const deleted = new Map(withoutIt);
    deleted.set("prod-eu", plan([settled(app({ DB_TIMEOUT: "10s", LOG: "info" })), { address: QUEUE, after: queue }], [{ address: QUEUE, before: queue, after: null, actions: ["delete"] }]));
    const item: ParityDriftItem = { workspace: "prod-eu", address: QUEUE, pathText: "", fingerprint: "fp-queue-deleted" };
    const [difference] = liveDifferences(shopGroup(), deleted, [item, driftItem]).differences;
    expect(difference).toMatchObject({ resource: "sandbox_queue.jobs", attribute: "", cause: "drift", drift: [{ member: "prod-eu", fingerprint: "fp-queue-deleted" }] });
  });

  it("compares a resource's attributes among the members that have it, the others shown absent", () => {
    const plans = new Map([
      ["staging", plan([{ address: QUEUE, before: queue, after: queue }])],
      ["prod-us", plan([{ address: QUEUE, before: { ...queue, retention: 14 }, after: { ...queue, retention: 14 } }])],
      ["prod-eu", plan([])],
    ]);
    const differences = liveDifferences(shopGroup(), plans).differences;
    expect(differences.map((d) => d.attribute)).toEqual(["", "retention"]);
    expect(differences[1]!.values).toEqual({ staging: v(7), "prod-us": v(14), "prod-eu": { absent: true } });
  });

  it("shows an attribute one member lacks as absent, and ignores null / [] / {} flips", () => {
    const plans = new Map([
      ["staging", plan([settled({ name: "app", env: { A: "1" }, tags: null, zones: [] })])],
      ["prod-us", plan([settled({ name: "app", env: { A: "1", B: "2" }, tags: {}, zones: null })])],
      ["prod-eu", plan([settled({ name: "app", env: { A: "1" } })])],
    ]);
    expect(liveDifferences(shopGroup(), plans).differences).toEqual([
      { kind: "live", resource: "sandbox_deployment.app", attribute: "env.B", values: { staging: { absent: true }, "prod-us": v("2"), "prod-eu": { absent: true } }, cause: "code" },
    ]);
  });

  it("drops differences the group expects (address and attribute globs)", () => {
    const plans = driftedPlans();
    plans.set("prod-us", plan([settled(app({ DB_TIMEOUT: "10s", LOG: "debug" }, 3))]));
    const all = liveDifferences(shopGroup(), plans).differences.map((d) => d.attribute);
    expect(all).toEqual(["env.DB_TIMEOUT", "env.LOG", "replicas"]);
    expect(liveDifferences(shopGroup([{ attribute: "env.*" }]), plans).differences.map((d) => d.attribute)).toEqual(["replicas"]);
    expect(liveDifferences(shopGroup([{ address: "sandbox_deployment.*", attribute: "replicas" }]), plans).differences.map((d) => d.attribute)).toEqual(["env.DB_TIMEOUT", "env.LOG"]);
    expect(liveDifferences(shopGroup([{ address: "sandbox_deployment.app" }]), plans).differences).toEqual([]);
    expect(liveDifferences(shopGroup([{ address: "sandbox_queue.*" }]), plans).differences).toHaveLength(3);
  });

  it("ignores data sources", () => {
    const read = (region: string): Entry => ({ address: "module.shop.data.sandbox_region.current", before: { name: region }, after: { name: region }, actions: ["read"] });
    const plans = new Map([
      ["staging", plan([read("eu-west-1")])],
      ["prod-us", plan([read("us-east-1")])],
      ["prod-eu", plan([read("eu-central-1")])],
    ]);
    expect(liveDifferences(shopGroup(), plans).differences).toEqual([]);
  });

  it("keeps to the member's instance: neither the root's resources nor a nested module's", () => {
    const plans = new Map([
      ["staging", plan([settled(app({ A: "1" })), { address: "sandbox_deployment.app", before: { replicas: 1 }, after: { replicas: 1 } }, { address: "module.shop.module.db.sandbox_db.main", before: { size: "s" }, after: { size: "s" } }])],
      ["prod-us", plan([settled(app({ A: "1" })), { address: "sandbox_deployment.app", before: { replicas: 5 }, after: { replicas: 5 } }, { address: "module.shop.module.db.sandbox_db.main", before: { size: "xl" }, after: { size: "xl" } }])],
      ["prod-eu", plan([settled(app({ A: "2" }))])],
    ]);
    expect(liveDifferences(shopGroup(), plans).differences.map((d) => `${d.resource} ${d.attribute}`)).toEqual(["sandbox_deployment.app env.A"]);
  });

  it("gives the same result whatever order the plans list resources in", () => {
    const a = settled(app({ A: "1" }));
    const b: Entry = { address: "module.shop.sandbox_queue.b", before: { n: 1 }, after: { n: 1 } };
    const c: Entry = { address: "module.shop.sandbox_queue.a[0]", before: { n: 1 }, after: { n: 1 } };
    const other = (n: number): Entry[] => [settled(app({ A: String(n) })), { ...b, before: { n }, after: { n } }, { ...c, before: { n }, after: { n } }];
    const forward = new Map([["staging", plan([a, b, c])], ["prod-us", plan(other(2))], ["prod-eu", plan(other(3))]]);
    const backward = new Map([["staging", plan([c, b, a])], ["prod-us", plan(other(2).reverse())], ["prod-eu", plan(other(3).reverse())]]);
    const first = liveDifferences(shopGroup(), forward);
    expect(first.differences.map((d) => `${d.resource} ${d.attribute}`)).toEqual(["sandbox_deployment.app env.A", "sandbox_queue.a[0] n", "sandbox_queue.b n"]);
    expect(JSON.stringify(liveDifferences(shopGroup(), backward))).toBe(JSON.stringify(first));
  });
});

describe("liveDifferences: members that cannot be read", () => {
  const variants: [string, PlanModel | { unknown: string } | undefined, RegExp][] = [
    ["a plan the caller could not get", { unknown: "the plan run failed: credentials expired" }, /credentials expired/],
    ["no plan at all", undefined, /no plan of workspace prod-eu/],
    ["an errored plan", parsePlan({ format_version: "1.2", planned_values: {}, errored: true }), /errored/],
    ["a refresh-only plan", parsePlan({ format_version: "1.2", planned_values: {}, resource_drift: [] }), /refresh-only/],
  ];

  it.each(variants)("shows %s as unknown, never equal nor different", (_name, euPlan, reason) => {
    const plans = driftedPlans() as Map<string, PlanModel | { unknown: string }>;
    if (euPlan === undefined) plans.delete("prod-eu");
    else plans.set("prod-eu", euPlan);
    plans.set("prod-us", plan([settled(app({ DB_TIMEOUT: "10s", LOG: "warn" }))]));
    const result = liveDifferences(shopGroup(), plans);
    expect(result.unknown).toEqual([{ member: "prod-eu", reason: expect.stringMatching(reason) }]);
    // DB_TIMEOUT differed only in prod-eu: nothing left to compare it with
    expect(result.differences.map((d) => d.attribute)).toEqual(["env.LOG"]);
    expect(result.differences[0]!.values["prod-eu"]).toEqual({ unknown: result.unknown[0]!.reason });
  });
});

describe("expandInstances", () => {
  const SVC = (key: string | number) => `module.svc[${JSON.stringify(key)}]`;
  const svcPlan = plan([
    { address: `${SVC("web")}.sandbox_deployment.app`, before: { replicas: 2 }, after: { replicas: 2 } },
    { address: `${SVC("api")}.sandbox_deployment.app`, before: { replicas: 4 }, after: { replicas: 4 } },
    { address: `${SVC("api")}.data.sandbox_region.current`, before: { name: "x" }, after: { name: "x" }, actions: ["read"] },
    { address: "module.worker[1].sandbox_deployment.app", before: { replicas: 1 }, after: { replicas: 1 } },
    { address: "module.worker[0].sandbox_deployment.app", before: { replicas: 1 }, after: { replicas: 1 } },
    { address: "sandbox_deployment.app", before: { replicas: 9 }, after: { replicas: 9 } },
  ]);
  const repeated = (workspace: string, name: string) => member(workspace, [{ name }], { id: `${workspace}:module.${name}`, repeated: true });

  it("makes one member per for_each key the plan shows, keys set and sorted", () => {
    const group: ParityGroup = { name: "svc", origin: "automatic", module: "modules/svc", members: [repeated("main", "svc")], expected: [] };
    const expanded = expandInstances(group, new Map([["main", svcPlan]]));
    expect(expanded.members).toEqual([
      { id: 'main:module.svc["api"]', workspace: "main", root: "envs/main", modules: [{ name: "svc", key: "api" }] },
      { id: 'main:module.svc["web"]', workspace: "main", root: "envs/main", modules: [{ name: "svc", key: "web" }] },
    ]);
    expect(expanded.name).toBe("svc");
    expect(group.members).toHaveLength(1); // the input group is left alone
  });

  it("expands count instances with numeric keys, leaves other members alone, and a repeated member without a plan as it is", () => {
    const plain = member("staging", [{ name: "worker" }]);
    const noPlan = repeated("other", "worker");
    const group: ParityGroup = { name: "worker", origin: "automatic", members: [plain, repeated("main", "worker"), noPlan], expected: [] };
    const expanded = expandInstances(group, new Map([["main", svcPlan]]));
    expect(expanded.members.map((m) => m.id)).toEqual(["staging", "main:module.worker[0]", "main:module.worker[1]", "other:module.worker"]);
    expect(expanded.members[1]!.modules).toEqual([{ name: "worker", key: 0 }]);
    expect(expanded.members[0]).toBe(plain);
    expect(expanded.members[3]).toBe(noPlan);
  });

  it("then compares the instances with each other, and calls an unexpanded repeated member unknown", () => {
    const group: ParityGroup = { name: "svc", origin: "automatic", members: [repeated("main", "svc")], expected: [] };
    const plans = new Map([["main", svcPlan]]);
    const result = liveDifferences(expandInstances(group, plans), plans);
    expect(result.differences).toEqual([
      { kind: "live", resource: "sandbox_deployment.app", attribute: "replicas", values: { 'main:module.svc["api"]': v(4), 'main:module.svc["web"]': v(2) }, cause: "code" },
    ]);
    const unexpanded = liveDifferences(group, plans);
    expect(unexpanded.unknown).toEqual([{ member: "main:module.svc", reason: expect.stringMatching(/repeated/) }]);
    const none = liveDifferences({ ...group, members: [repeated("main", "gone")] }, plans);
    expect(none.unknown[0]?.reason).toMatch(/shows no instance of module\.gone/);
  });
});

describe("a configured group of whole workspaces", () => {
  it("a whole workspace is compared on everything it manages, by full address, own index kept", () => {
    const web = (ami: string): Entry => ({ address: "aws_instance.web[0]", before: { ami }, after: { ami } });
    const group: ParityGroup = { name: "envs", origin: "configured", members: [member("staging", []), member("prod", [])], expected: [] };
    const plans = new Map([
      ["staging", plan([web("ami-1"), { address: "module.net.aws_vpc.main", before: { cidr: "10.0.0.0/16" }, after: { cidr: "10.0.0.0/16" } }])],
      ["prod", plan([web("ami-2"), { address: "module.net.aws_vpc.main", before: { cidr: "10.1.0.0/16" }, after: { cidr: "10.1.0.0/16" } }])],
    ]);
    expect(liveDifferences(group, plans).differences).toEqual([
      { kind: "live", resource: "aws_instance.web[0]", attribute: "ami", values: { staging: v("ami-1"), prod: v("ami-2") }, cause: "code" },
      { kind: "live", resource: "module.net.aws_vpc.main", attribute: "cidr", values: { staging: v("10.0.0.0/16"), prod: v("10.1.0.0/16") }, cause: "code" },
    ]);
  });

  it("strips only the instance's module calls from an address", () => {
    expect(addressInside('module.svc["a.b"].module.db.sandbox_db.main["x"]', 2)).toBe('sandbox_db.main["x"]');
    expect(addressInside("module.plat.module.svc[3].aws_instance.web[0]", 1)).toBe("module.svc[3].aws_instance.web[0]");
    expect(addressInside("aws_instance.web[0]", 0)).toBe("aws_instance.web[0]");
  });
});

describe("liveDifferences on real plans (../shared/fixtures/plans)", () => {
  const files = sharedPlanFiles();
  const pairs = files.map((file, i) => [file, files[(i + 1) % files.length]!] as const);
  const group: ParityGroup = { name: "real", origin: "configured", members: [member("a", []), member("b", [])], expected: [] };

  it.skipIf(!sharedAvailable)("finds the fixture plans", () => expect(files.length).toBeGreaterThan(10));
  if (!sharedAvailable) it.skip("SKIPPED: ../shared/fixtures/plans is absent, no real plans to compare", () => {});

  it.skipIf(!sharedAvailable).each(pairs)("%s against %s: well-formed, no sensitive value, no difference with itself", (left, right) => {
    const raws = [JSON.parse(readSharedPlan(left)), JSON.parse(readSharedPlan(right))];
    const [a, b] = raws.map((raw) => parsePlan(raw));
    const result = liveDifferences(group, new Map([["a", a!], ["b", b!]]));
    for (const difference of result.differences) {
      expect(difference.kind).toBe("live");
      expect(["code", "drift", "unapplied"]).toContain(difference.cause);
      expect(Object.keys(difference.values)).toEqual(["a", "b"]);
      for (const value of Object.values(difference.values)) expect(isMemberValue(value)).toBe(true);
    }
    for (const entry of result.unknown) expect(entry.reason.length).toBeGreaterThan(0);
    const json = JSON.stringify(result);
    for (const secret of raws.flatMap(sensitiveLiterals)) expect(json, `sensitive ${secret} leaked`).not.toContain(secret);
    // a plan against itself: nothing differs, whatever the plan holds
    expect(liveDifferences(group, new Map([["a", a!], ["b", a!]])).differences).toEqual([]);
  });
});

function isMemberValue(value: MemberValue): boolean {
  const keys = Object.keys(value).sort().join(",");
  return keys === "value" || keys === "hash,sensitive" || keys === "absent" || keys === "unknown";
}
