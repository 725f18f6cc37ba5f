# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/aws" {
  version     = "5.31.0"
  constraints = "~> 5.0"
  hashes = [
    "h1:bF0vwMlJpDc0QP6sFhcZr8X1Ecu3Fx4FjBq8zzJ3Pw8=",
  ]
}
