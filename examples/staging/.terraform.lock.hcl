# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/aws" {
  version     = "5.40.0"
  constraints = "~> 5.0"
  hashes = [
    "h1:Q4i8bF0vwMlJpDc0QP6sFhcZr8X1Ecu3Fx4FjBq8zzI=",
  ]
}
