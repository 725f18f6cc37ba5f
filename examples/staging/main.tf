# A second environment of the bundled example: staging, meant to match prod (examples/workspace) apart from names.
# The demo's parity section compares the two (the `parity` group in examples/.github/driftback.yml).

resource "aws_security_group" "web" {
  name = "web-staging"

  ingress {
    description = "HTTPS from the VPC"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.1.0.0/16"]
  }

  tags = {
    Team = "platform"
  }
}

resource "aws_instance" "web" {
  ami           = "ami-0c55b159cbfafe1f0"
  instance_type = "t3.small"

  tags = {
    Name       = "web-staging"
    Owner      = "platform-team"
    CostCenter = "1234"
  }
}

resource "aws_s3_bucket" "logs" {
  bucket = "acme-logs-staging"
}
