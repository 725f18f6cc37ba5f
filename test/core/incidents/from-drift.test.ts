import { describe, expect, it } from "vitest";
import { fingerprintOf } from "../../../src/core/drift/track.js";
import { driftForCorrelation } from "../../../src/core/incidents/index.js";
import { Masker } from "../../../src/core/render/mask.js";
import { driftItem } from "../../support/drift-item.js";

const window = { lastClean: "2024-05-01T01:00:00Z", firstSeen: "2024-05-01T04:00:00Z" };
const masker = new Masker();

describe("driftForCorrelation: what a drift item offers as evidence", () => {
  it("takes id, arn and name from the live object, tags and labels, and the parts of the value that are new", () => {
    const item = driftItem("aws_security_group.web", "ingress[0].cidr_blocks", {
      before: ["10.0.0.0/8"],
      after: ["10.0.0.0/8", "10.20.30.0/24"],
      liveResource: {
        id: "sg-0abc",
        arn: "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0abc",
        name: "web",
        description: "not an identity",
        tags: { incident: "INC-123", Owner: "team-a" },
        tags_all: { incident: "INC-123", Owner: "team-a", env: "prod" },
        labels: { ticket: "OPS-9" },
      },
    });
    expect(driftForCorrelation(item, window, masker)).toEqual({
      fingerprint: fingerprintOf(item),
      workspace: "prod",
      address: "aws_security_group.web",
      identities: ["sg-0abc", "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0abc", "web"],
      attribute: "ingress[0].cidr_blocks",
      newValues: ["10.20.30.0/24"],
      sensitive: false,
      tags: [
        { source: "tag", key: "incident", value: "INC-123" },
        { source: "tag", key: "Owner", value: "team-a" },
        { source: "tag", key: "env", value: "prod" },
        { source: "label", key: "ticket", value: "OPS-9" },
      ],
      lastClean: window.lastClean,
      firstSeen: window.firstSeen,
    });
  });

  const cases: { name: string; item: ReturnType<typeof driftItem>; newValues: string[]; sensitive: boolean; identities?: string[] }[] = [
    { name: "a value the plan marks sensitive offers nothing", item: driftItem("aws_db_instance.main", "password", { after: "hunter2-long", sensitive: true }), newValues: [], sensitive: true },
    { name: "an attribute named like a secret offers nothing", item: driftItem("aws_lambda_function.f", "environment[0].variables.API_TOKEN", { after: "abcd-efgh-ijkl" }), newValues: [], sensitive: true },
    { name: "a value shaped like a credential offers nothing", item: driftItem("aws_lambda_function.f", "environment[0].variables.KEY", { after: "AKIAABCDEFGHIJKLMNOP" }), newValues: [], sensitive: true },
    { name: "numbers become text; booleans are left out", item: driftItem("aws_instance.web", "metadata", { before: {}, after: { port: 8443, debug: true } }), newValues: ["8443"], sensitive: false },
    {
      name: "a resource deleted outside Terraform is named by its recorded object",
      item: driftItem("aws_instance.web", "", { before: null, after: null, recordedResource: { id: "i-0123", name: "web-1" }, liveResource: null }),
      newValues: [],
      sensitive: false,
      identities: ["i-0123", "web-1"],
    },
  ];
  it.each(cases)("$name", ({ item, newValues, sensitive, identities }) => {
    const result = driftForCorrelation(item, window, masker);
    expect(result.newValues).toEqual(newValues);
    expect(result.sensitive).toBe(sensitive);
    if (identities) expect(result.identities).toEqual(identities);
  });

  it("a Kubernetes object is named by its metadata[0].name, and an env entry's value by the entry's name", () => {
    const container = { env: [{ name: "LOG_LEVEL", value: "info" }, { name: "DB_TIMEOUT", value: "60s" }] };
    const live = { id: "shop/api-server", metadata: [{ name: "api-server", namespace: "shop" }], spec: [{ template: [{ spec: [{ container: [container] }] }] }] };
    const item = driftItem("kubernetes_deployment.api_server", "spec[0].template[0].spec[0].container[0].env[1].value", { before: "10s", after: "60s", liveResource: live });
    const result = driftForCorrelation(item, window, masker);
    expect(result.identities).toEqual(["shop/api-server", "api-server"]);
    expect(result.settingNames).toEqual(["DB_TIMEOUT"]);
    expect(result.newValues).toEqual(["60s"]);
  });

  it("an env entry whose name the mask rules call secret gives no setting name", () => {
    const live = { env: [{ name: "API_TOKEN", value: "x" }] };
    const item = driftItem("kubernetes_deployment.api", "env[0].value", { before: "a", after: "b", liveResource: live });
    expect(driftForCorrelation(item, window, masker).settingNames).toBeUndefined();
  });

  it("identities and tags that the mask rules call secret are left out", () => {
    const strict = new Masker({ values: ["^secret-"] });
    const item = driftItem("aws_instance.web", "instance_type", { after: "t3.large", liveResource: { id: "i-1", name: "secret-host", tags: { incident: "secret-INC-1", api_token: "INC-2" } } });
    const result = driftForCorrelation(item, window, strict);
    expect(result.identities).toEqual(["i-1"]);
    expect(result.tags).toEqual([]);
  });
});
