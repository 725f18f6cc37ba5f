import { describe, expect, it } from "vitest";
import { formatAttributePath, parseAttributePath, parseResourceAddress } from "../../../src/core/hcl/address.js";

describe("parseResourceAddress", () => {
  it.each([
    ["aws_instance.web", { modules: [], mode: "managed", type: "aws_instance", name: "web", key: undefined }],
    ["aws_instance.web[0]", { modules: [], mode: "managed", type: "aws_instance", name: "web", key: 0 }],
    ['module.a["x"].module.b.aws_s3_bucket.logs["k.1"]', { modules: [{ name: "a", key: "x" }, { name: "b", key: undefined }], mode: "managed", type: "aws_s3_bucket", name: "logs", key: "k.1" }],
    ["data.aws_ami.ubuntu", { modules: [], mode: "data", type: "aws_ami", name: "ubuntu", key: undefined }],
  ])("%s", (address, expected) => {
    expect(parseResourceAddress(address)).toEqual(expected);
  });

  it.each(["", "aws_instance", "module.a", "aws_instance.web.extra", "aws_instance.web[x]"])("rejects %j", (address) => {
    expect(parseResourceAddress(address)).toBeUndefined();
  });
});

describe("attribute paths", () => {
  it.each([
    [["instance_type"], "instance_type"],
    [["tags", "Owner"], "tags.Owner"],
    [["ingress", 1, "cidr_blocks"], "ingress[1].cidr_blocks"],
    [["root_block_device", 0, "volume_size"], "root_block_device[0].volume_size"],
    [["tags", "kubernetes.io/role"], 'tags["kubernetes.io/role"]'],
  ])("%j <-> %s", (steps, text) => {
    expect(formatAttributePath(steps)).toBe(text);
    expect(parseAttributePath(text)).toEqual(steps);
  });
});
