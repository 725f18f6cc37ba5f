import { SANDBOX_PROVIDER_BLOCK } from "./sandbox.js";

/** One module, three environments; prod-us runs more replicas on purpose (its tfvars), staging asks for a newer terraform. */
export const SERVICE_REPO_FILES: Record<string, string> = {
  "modules/service/versions.tf": SANDBOX_PROVIDER_BLOCK,
  "modules/service/variables.tf": `variable "name" {
  type = string
}

variable "db_timeout" {
  type    = string
  default = "10s"
}

variable "replicas" {
  type    = number
  default = 2
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
  "envs/staging/main.tf": `${SANDBOX_PROVIDER_BLOCK}
terraform {
  required_version = ">= 1.6"
}

provider "sandbox" {}

module "shop" {
  source = "../../modules/service"
  name   = "shop-staging"
}
`,
  "envs/prod-us/main.tf": `${SANDBOX_PROVIDER_BLOCK}
terraform {
  required_version = ">= 1.5"
}

provider "sandbox" {}

variable "replicas" {
  type = number
}

module "shop" {
  source   = "../../modules/service"
  name     = "shop-prod-us"
  replicas = var.replicas
}
`,
  "envs/prod-us/prod-us.tfvars": "replicas = 4\n",
  "envs/prod-eu/main.tf": `${SANDBOX_PROVIDER_BLOCK}
terraform {
  required_version = ">= 1.5"
}

provider "sandbox" {}

module "shop" {
  source = "../../modules/service"
  name   = "shop-prod-eu"
}
`,
};

export const SERVICE_REPO_WORKSPACES = { staging: { dir: "envs/staging", varFiles: [] }, "prod-us": { dir: "envs/prod-us", varFiles: ["prod-us.tfvars"] }, "prod-eu": { dir: "envs/prod-eu", varFiles: [] } };

