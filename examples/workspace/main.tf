# The workspace examples/plan.json (a pull request) and examples/scan-plan.json (a scan of main) were planned from, trimmed to what the demo needs.

resource "aws_security_group" "web" {
  name = "web"

  ingress {
    description = "HTTPS from the VPC"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/16"]
  }

  tags = {
    Team = "platform"
  }
}

resource "aws_instance" "web" {
  ami           = "ami-0c55b159cbfafe1f0"
  instance_type = "t3.medium"

  tags = {
    Name       = "web"
    Owner      = "platform-team"
    CostCenter = "1234"
  }
}

resource "aws_s3_bucket" "logs" {
  bucket = "acme-logs"
}
