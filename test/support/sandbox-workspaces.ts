import { SANDBOX_PROVIDER_BLOCK, type ConsoleCommand } from "./sandbox.js";

/**
 * The workspaces the real-terraform suite applies, changes out of band and codifies, with what
 * each case expects. The fixture generator (sandbox-generate-plans.ts) uses the same ones, so
 * the plans in test/fixtures/real-plans/ come from exactly this code.
 */

export interface CodifyCase {
  name: string;
  /** Resource addresses whose drift this case codifies; each must plan no-op afterwards. */
  addresses: string[];
  changes: ConsoleCommand[];
  /** The lines codify must remove and add (trimmed), per file. */
  diff: Record<string, { removed: string[]; added: string[] }>;
}

export interface WorkspaceSpec {
  files: Record<string, string>;
  varFiles: string[];
}

/** Independent resources in one workspace: one init, one apply, one plan, one codify, one verification plan. */
export const CODIFY_WORKSPACE: WorkspaceSpec = {
  varFiles: ["prod.tfvars"],
  files: {
    "main.tf": `${SANDBOX_PROVIDER_BLOCK}
provider "sandbox" {
  default_tags = {
    managed_by = "terraform"
  }
}

locals {
  batch_image = "registry.local/batch:7"
}

resource "sandbox_deployment" "literals" {
  name     = "literals"
  replicas = 2
  image    = "registry.local/lit:1.0"
}

resource "sandbox_deployment" "maps" {
  name  = "maps"
  image = "registry.local/maps:1.0"
  env = {
    LOG_LEVEL = "info"
    REGION    = "eu-west-1"
  }
}

resource "sandbox_deployment" "varfile" {
  name  = "varfile"
  image = var.api_image
}

resource "sandbox_deployment" "vardefault" {
  name     = "vardefault"
  replicas = var.worker_replicas
  image    = "registry.local/worker:3"
}

resource "sandbox_deployment" "local" {
  name  = "local"
  image = local.batch_image
}

module "queue" {
  source   = "./modules/queue"
  replicas = 1
}

resource "sandbox_deployment" "fleet" {
  for_each = {
    alpha = { replicas = 1 }
    beta  = { replicas = 1 }
  }
  name     = "fleet-\${each.key}"
  replicas = each.value.replicas
  image    = "registry.local/fleet:1"
}

resource "sandbox_instance" "disk" {
  name          = "disk"
  instance_type = "t3.micro"

  root_block_device {
    volume_size = 30
    volume_type = "gp3"
  }
}

resource "sandbox_security_group" "web" {
  name        = "web-sg"
  description = "web tier"

  ingress {
    description = "https from the VPC"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/16"]
  }

  ingress {
    description = "ssh from the bastion subnet"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.1.0/24"]
  }
}

resource "sandbox_security_group" "admin" {
  name = "admin-sg"

  ingress {
    description = "https from the VPC"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/16"]
  }

  ingress {
    description = "ssh from the office"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.1.0/24"]
  }
}

resource "sandbox_security_group" "extra" {
  name = "extra-sg"

  ingress {
    description = "https from the VPC"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/16"]
  }
}

resource "sandbox_deployment" "optional" {
  name  = "optional"
  image = "registry.local/opt:1"
}

resource "sandbox_instance" "monitor" {
  name          = "monitor"
  instance_type = "t3.small"
}

resource "sandbox_instance" "tagged" {
  name          = "tagged"
  instance_type = "t3.micro"
  tags = {
    Name = "tagged"
    team = "core"
  }
}
`,
    "variables.tf": `variable "api_image" {
  type    = string
  default = "registry.local/api:0.9"
}

variable "worker_replicas" {
  type    = number
  default = 2
}
`,
    "prod.tfvars": `api_image = "registry.local/api:1.0"\n`,
    "modules/queue/main.tf": `${SANDBOX_PROVIDER_BLOCK}
variable "replicas" {
  type = number
}

resource "sandbox_deployment" "this" {
  name     = "queue"
  replicas = var.replicas
  image    = "registry.local/queue:2"
}
`,
  },
};

export const CODIFY_CASES: CodifyCase[] = [
  {
    name: "literals (a number and a string)",
    addresses: ["sandbox_deployment.literals"],
    changes: [
      ["set", "sandbox_deployment", "literals", "replicas", 4],
      ["set", "sandbox_deployment", "literals", "image", "registry.local/lit:1.1"],
    ],
    diff: { "main.tf": { removed: ["replicas = 2", 'image    = "registry.local/lit:1.0"'], added: ["replicas = 4", 'image    = "registry.local/lit:1.1"'] } },
  },
  {
    name: "a map key changed and a key added",
    addresses: ["sandbox_deployment.maps"],
    changes: [
      ["set", "sandbox_deployment", "maps", "env.LOG_LEVEL", "debug"],
      ["set", "sandbox_deployment", "maps", "env.FEATURE_X", "on"],
    ],
    diff: { "main.tf": { removed: ['LOG_LEVEL = "info"'], added: ['LOG_LEVEL = "debug"', 'FEATURE_X = "on"'] } },
  },
  {
    name: "a var file",
    addresses: ["sandbox_deployment.varfile"],
    changes: [["set", "sandbox_deployment", "varfile", "image", "registry.local/api:1.1"]],
    diff: { "prod.tfvars": { removed: ['api_image = "registry.local/api:1.0"'], added: ['api_image = "registry.local/api:1.1"'] } },
  },
  {
    name: "a variable default",
    addresses: ["sandbox_deployment.vardefault"],
    changes: [["set", "sandbox_deployment", "vardefault", "replicas", 3]],
    diff: { "variables.tf": { removed: ["default = 2"], added: ["default = 3"] } },
  },
  {
    name: "a local",
    addresses: ["sandbox_deployment.local"],
    changes: [["set", "sandbox_deployment", "local", "image", "registry.local/batch:8"]],
    diff: { "main.tf": { removed: ['batch_image = "registry.local/batch:7"'], added: ['batch_image = "registry.local/batch:8"'] } },
  },
  {
    name: "a local module input",
    addresses: ["module.queue.sandbox_deployment.this"],
    changes: [["set", "sandbox_deployment", "queue", "replicas", 3]],
    diff: { "main.tf": { removed: ["replicas = 1"], added: ["replicas = 3"] } },
  },
  {
    name: "one for_each entry",
    addresses: ['sandbox_deployment.fleet["beta"]', 'sandbox_deployment.fleet["alpha"]'],
    changes: [["set", "sandbox_deployment", "fleet-beta", "replicas", 2]],
    diff: { "main.tf": { removed: ["beta  = { replicas = 1 }"], added: ["beta  = { replicas = 2 }"] } },
  },
  {
    name: "an attribute in a single nested block",
    addresses: ["sandbox_instance.disk"],
    changes: [["set", "sandbox_instance", "disk", "root_block_device.0.volume_size", 50]],
    diff: { "main.tf": { removed: ["volume_size = 30"], added: ["volume_size = 50"] } },
  },
  {
    name: "a rule inside a set of nested blocks",
    addresses: ["sandbox_security_group.web"],
    changes: [["append", "sandbox_security_group", "web-sg", "ingress.1.cidr_blocks", "10.9.0.0/16"]],
    diff: { "main.tf": { removed: ['cidr_blocks = ["10.0.1.0/24"]'], added: ['cidr_blocks = ["10.0.1.0/24", "10.9.0.0/16"]'] } },
  },
  {
    // terraform orders a set by content: the changed rule moves from index 1 to index 0
    name: "a rule inside a set of nested blocks whose change reorders the set",
    addresses: ["sandbox_security_group.admin"],
    changes: [["set", "sandbox_security_group", "admin-sg", "ingress.1.cidr_blocks", ["0.0.0.0/0"]]],
    diff: { "main.tf": { removed: ['cidr_blocks = ["10.0.1.0/24"]'], added: ['cidr_blocks = ["0.0.0.0/0"]'] } },
  },
  {
    name: "a rule added to a set of nested blocks",
    addresses: ["sandbox_security_group.extra"],
    changes: [["append", "sandbox_security_group", "extra-sg", "ingress", { description: "INC-4521 metrics scrape", from_port: 9100, to_port: 9100, protocol: "tcp", cidr_blocks: ["10.8.0.0/16"] }]],
    diff: {
      "main.tf": {
        removed: [],
        // in the order the sibling block writes its attributes
        added: ["", "ingress {", 'description = "INC-4521 metrics scrape"', "from_port   = 9100", "to_port     = 9100", 'protocol    = "tcp"', 'cidr_blocks = ["10.8.0.0/16"]', "}"],
      },
    },
  },
  {
    name: "an optional attribute the code never set",
    addresses: ["sandbox_deployment.optional"],
    changes: [["set", "sandbox_deployment", "optional", "memory", "2Gi"]],
    // hclwrite aligns the block's `=` signs again
    diff: { "main.tf": { removed: ['name  = "optional"', 'image = "registry.local/opt:1"'], added: ['name   = "optional"', 'image  = "registry.local/opt:1"', 'memory = "2Gi"'] } },
  },
  {
    name: "a provider default flipped in the console",
    addresses: ["sandbox_instance.monitor"],
    changes: [["set", "sandbox_instance", "monitor", "monitoring", true]],
    diff: { "main.tf": { removed: [], added: ["monitoring    = true"] } },
  },
  {
    name: "tags with provider default_tags",
    addresses: ["sandbox_instance.tagged"],
    changes: [
      ["set", "sandbox_instance", "tagged", "tags.team", "payments"],
      ["set", "sandbox_instance", "tagged", "tags.owner", "alice"],
    ],
    diff: { "main.tf": { removed: ['Name = "tagged"', 'team = "core"'], added: ['Name  = "tagged"', 'team  = "payments"', 'owner = "alice"'] } },
  },
];

/** The db password: a test value of the sandbox, not a secret anywhere. */
export const SANDBOX_DB_PASSWORD = "s3cr3t-Pa55";
export const SANDBOX_DB_PASSWORD_CHANGED = "n3w-Cons0le-Pa55";

/** Drift codify must refuse: every file stays byte-identical. */
export const REFUSAL_WORKSPACE: WorkspaceSpec = {
  varFiles: [],
  files: {
    "main.tf": `${SANDBOX_PROVIDER_BLOCK}
provider "sandbox" {}

variable "app" {
  type    = string
  default = "interp"
}

variable "db_password" {
  type      = string
  sensitive = true
  default   = "${SANDBOX_DB_PASSWORD}"
}

resource "sandbox_deployment" "counted" {
  count    = 2
  name     = "counted-\${count.index}"
  replicas = 1
  image    = "registry.local/counted:1"
}

resource "sandbox_deployment" "interp" {
  name  = "interp"
  image = "registry.local/\${var.app}:1.0"
  env = {
    DB_HOST = sandbox_db.orders.endpoint
  }
}

resource "sandbox_db" "orders" {
  name              = "orders-db"
  engine_version    = "15.4"
  password          = var.db_password
  allocated_storage = 20
}
`,
  },
};

export interface RefusalCase {
  name: string;
  address: string;
  path: string;
  reason: RegExp;
  changes: ConsoleCommand[];
}

export const REFUSAL_CASES: RefusalCase[] = [
  {
    name: "a literal shared by every count instance",
    address: "sandbox_deployment.counted[0]",
    path: "replicas",
    reason: /several instances made by count/,
    changes: [["set", "sandbox_deployment", "counted-0", "replicas", 3]],
  },
  {
    name: "an interpolated expression",
    address: "sandbox_deployment.interp",
    path: "image",
    reason: /template with interpolation/,
    changes: [["set", "sandbox_deployment", "interp", "image", "registry.local/interp:2.0"]],
  },
  {
    name: "a sensitive value",
    address: "sandbox_db.orders",
    path: "password",
    reason: /sensitive/,
    changes: [["set", "sandbox_db", "orders-db", "password", SANDBOX_DB_PASSWORD_CHANGED]],
  },
];
