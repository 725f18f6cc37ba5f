/**
 * The repository the parity e2e tests share: staging, prod-us and prod-eu calling modules/service. prod-eu's code
 * says a pool of 10 (the others 20), and its 60s timeout was set outside Terraform during an incident.
 */
export const PARITY_CONFIG = `
workspaces:
  - name: staging
    dir: envs/staging
  - name: prod-us
    dir: envs/prod-us
  - name: prod-eu
    dir: envs/prod-eu
    tier: prod
backport:
  enabled: false
`;

const MODULE = `variable "name" {
  type = string
}

variable "pool_size" {
  type    = number
  default = 20
}

resource "aws_db_proxy" "shop" {
  name      = var.name
  pool_size = var.pool_size
  settings = {
    DB_TIMEOUT = "10s"
  }
}
`;

export const parityRoot = (name: string, extra = "") => `module "shop" {\n  source = "../../modules/service"\n  name   = "shop-${name}"\n${extra}}\n`;

/** One member's plan of the shared module's proxy: `live` is what runs (refreshed), `code` what its code says. */
export function parityPlan(name: string, live: { pool: number; timeout: string }, code: { pool: number; timeout: string }): string {
  const value = (v: { pool: number; timeout: string }) => ({ name: `shop-${name}`, pool_size: v.pool, settings: { DB_TIMEOUT: v.timeout } });
  const change = (before: object, after: object, actions: string[]) => ({ address: "module.shop.aws_db_proxy.shop", module_address: "module.shop", mode: "managed", type: "aws_db_proxy", name: "shop", change: { actions, before, after, after_unknown: {}, before_sensitive: {}, after_sensitive: {} } });
  const drifted = live.timeout !== code.timeout;
  return JSON.stringify({
    format_version: "1.2",
    ...(drifted ? { resource_drift: [change(value(code), value(live), ["update"])] } : {}),
    resource_changes: [change(value(live), value(code), drifted || live.pool !== code.pool ? ["update"] : ["no-op"])],
  });
}

/** prod-eu runs a pool of 10 (its code says so) and a 60s timeout set outside Terraform during an incident. */
export const parityFiles = (): Record<string, string> => ({
  "modules/service/main.tf": MODULE,
  "envs/staging/main.tf": parityRoot("staging"),
  "envs/staging/plan.json": parityPlan("staging", { pool: 20, timeout: "10s" }, { pool: 20, timeout: "10s" }),
  "envs/staging/.fake-terraform.json": JSON.stringify({ plan: "plan.json" }),
  "envs/prod-us/main.tf": parityRoot("prod-us"),
  "envs/prod-us/plan.json": parityPlan("prod-us", { pool: 20, timeout: "10s" }, { pool: 20, timeout: "10s" }),
  "envs/prod-us/.fake-terraform.json": JSON.stringify({ plan: "plan.json" }),
  "envs/prod-eu/main.tf": parityRoot("prod-eu", "  pool_size = 10\n"),
  "envs/prod-eu/plan.json": parityPlan("prod-eu", { pool: 10, timeout: "60s" }, { pool: 10, timeout: "10s" }),
  "envs/prod-eu/.fake-terraform.json": JSON.stringify({ plan: "plan.json" }),
});

