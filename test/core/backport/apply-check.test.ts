import { describe, expect, it } from "vitest";
import { checkPlannedChanges, changedPathsOf, type ApplyDifference, type ExpectedChange } from "../../../src/core/backport/apply-check.js";
import { settleBackport } from "../../../src/core/backport/index.js";
import { classifyDrift } from "../../../src/core/drift/items.js";
import { parsePlan } from "../../../src/core/plan/parse.js";
import { Masker } from "../../../src/core/render/mask.js";
import { bundledTemplates } from "../../../src/templates.js";
import { expectedChanges } from "../../../src/usecases/backport-files.js";
import { generateDriftPlan } from "../../support/generate-plan.js";
import { configWith, plansFor } from "./support.js";

type Raw = { address: string; actions: string[]; before: unknown; after: unknown; mode?: "managed" | "data"; previous_address?: string };

/** A parsed plan of these resource changes, as `terraform show -json` would give them. */
function planOf(...changes: Raw[]) {
  return parsePlan(
    JSON.stringify({
      format_version: "1.2",
      resource_changes: changes.map((c) => {
        const [type, name] = c.address.replace(/^data\./, "").split(".");
        return {
          address: c.address,
          mode: c.mode ?? "managed",
          type,
          name,
          ...(c.previous_address ? { previous_address: c.previous_address } : {}),
          change: { actions: c.actions, before: c.before, after: c.after, after_unknown: {}, before_sensitive: {}, after_sensitive: {} },
        };
      }),
    }),
  );
}

const sg = { ingress: [{ cidr_blocks: ["10.0.0.0/8"], from_port: 443 }], tags: { Owner: "alice" } };
const sgLive = { ingress: [{ cidr_blocks: ["0.0.0.0/0"], from_port: 443 }], tags: { Owner: "alice" } };
const updateSg: Raw = { address: "aws_security_group.web", actions: ["update"], before: sgLive, after: sg };
const expectSg: ExpectedChange = { address: "aws_security_group.web", paths: ["ingress[0].cidr_blocks"] };
const masker = new Masker();

describe("checkPlannedChanges", () => {
  it.each<{ name: string; expected: ExpectedChange[]; changes: Raw[]; differences: ApplyDifference[] }>([
    {
      name: "the same resource and attribute as the pull request showed passes",
      expected: [expectSg],
      changes: [updateSg],
      differences: [],
    },
    {
      name: "a resource deleted outside Terraform and created again is the whole resource, no paths",
      expected: [{ address: "aws_iam_user.ops", paths: [] }],
      changes: [{ address: "aws_iam_user.ops", actions: ["create"], before: null, after: { name: "ops" } }],
      differences: [],
    },
    {
      name: "a data source the targeted plan reads is not a change",
      expected: [expectSg],
      changes: [updateSg, { address: "data.aws_vpc.main", actions: ["read"], before: null, after: { id: "vpc-1" }, mode: "data" }],
      differences: [],
    },
    {
      name: "an unchanged resource the plan lists as no-op is not a change",
      expected: [expectSg],
      changes: [updateSg, { address: "aws_vpc.main", actions: ["no-op"], before: { id: "vpc-1" }, after: { id: "vpc-1" } }],
      differences: [],
    },
    {
      name: "a resource the plan no longer changes (applied already) is a difference",
      expected: [expectSg],
      changes: [{ address: "aws_security_group.web", actions: ["no-op"], before: sg, after: sg }],
      differences: [{ kind: "not-changed", address: "aws_security_group.web" }],
    },
    {
      name: "a resource missing from the plan altogether is a difference",
      expected: [expectSg],
      changes: [],
      differences: [{ kind: "not-changed", address: "aws_security_group.web" }],
    },
    {
      name: "another resource the plan also changes is a difference",
      expected: [expectSg],
      changes: [updateSg, { address: "aws_instance.api", actions: ["update"], before: { instance_type: "t3.large" }, after: { instance_type: "t3.small" } }],
      differences: [{ kind: "unexpected", address: "aws_instance.api", action: "update" }],
    },
    {
      name: "another attribute of the same resource is a difference",
      expected: [expectSg],
      changes: [{ ...updateSg, before: { ...sgLive, tags: { Owner: "bob" } } }],
      differences: [{ kind: "paths", address: "aws_security_group.web", missing: [], extra: ["tags.Owner"] }],
    },
    {
      name: "an attribute shown but no longer changed is a difference",
      expected: [{ address: "aws_security_group.web", paths: ["ingress[0].cidr_blocks", "tags.Owner"] }],
      changes: [updateSg],
      differences: [{ kind: "paths", address: "aws_security_group.web", missing: ["tags.Owner"], extra: [] }],
    },
    {
      name: "a replace of a shown resource is never applied",
      expected: [expectSg],
      changes: [{ ...updateSg, actions: ["delete", "create"] }],
      differences: [{ kind: "action", address: "aws_security_group.web", action: "delete-create" }],
    },
    {
      name: "a delete of another resource is never applied",
      expected: [expectSg],
      changes: [updateSg, { address: "aws_s3_bucket.logs", actions: ["delete"], before: { bucket: "logs" }, after: null }],
      differences: [{ kind: "action", address: "aws_s3_bucket.logs", action: "delete" }],
    },
    {
      name: "a move of another resource is a difference",
      expected: [expectSg],
      changes: [updateSg, { address: "aws_vpc.main", actions: ["no-op"], before: { id: "vpc-1" }, after: { id: "vpc-1" }, previous_address: "aws_vpc.old" }],
      differences: [{ kind: "unexpected", address: "aws_vpc.main", action: "no-op" }],
    },
    {
      name: "a resource shown as created again that the plan updates in place is a difference",
      expected: [{ address: "aws_iam_user.ops", paths: [] }],
      changes: [{ address: "aws_iam_user.ops", actions: ["update"], before: { name: "ops", path: "/x/" }, after: { name: "ops", path: "/" } }],
      differences: [{ kind: "whole", address: "aws_iam_user.ops", expectedWhole: true, action: "update" }],
    },
    {
      name: "a resource shown with attribute changes that the plan creates is a difference",
      expected: [expectSg],
      changes: [{ ...updateSg, actions: ["create"], before: null }],
      differences: [{ kind: "whole", address: "aws_security_group.web", expectedWhole: false, action: "create" }],
    },
  ])("$name", ({ expected, changes, differences }) => {
    const check = checkPlannedChanges(expected, planOf(...changes), masker);
    if (differences.length === 0) expect(check).toEqual({ ok: true, changes: expected });
    else expect(check).toEqual({ ok: false, differences });
  });

  it("reads set elements by content, so a rule that only moved within the set is no change", () => {
    const reordered = { ...sg, ingress: [{ cidr_blocks: ["10.1.0.0/16"], from_port: 22 }, ...sg.ingress] };
    const live = { ...sgLive, ingress: [{ cidr_blocks: ["10.1.0.0/16"], from_port: 22 }, ...sgLive.ingress] };
    const change = planOf({ ...updateSg, before: { ...live, ingress: [live.ingress[1], live.ingress[0]] }, after: reordered }).resourceChanges[0]!;
    expect(changedPathsOf(change, masker)).toEqual(["ingress[1].cidr_blocks"]);
  });

  it("compares masked names, as the marker holds them, and never needs a value", () => {
    const secretKey = "AKIAABCDEFGHIJKLMNOP";
    const change: Raw = { address: "aws_instance.api", actions: ["update"], before: { tags: { [secretKey]: "x" } }, after: { tags: { [secretKey]: "y" } } };
    const check = checkPlannedChanges([{ address: "aws_instance.api", paths: ["tags.***"] }], planOf(change), masker);
    expect(check.ok).toBe(true);
    expect(JSON.stringify(check)).not.toContain(secretKey);
  });

  it("passes a plan identical to the scan's against the expect the backport use case writes into the marker", () => {
    const config = configWith({ backport: { rules: [{ type: "*", action: "revert" }] } });
    const model = parsePlan(generateDriftPlan({ resources: 3 }));
    const plans = plansFor(classifyDrift(model, "prod"), config);
    expect(plans).toHaveLength(3);
    for (const plan of plans) {
      const settled = settleBackport(plan, new Map(), { config, masker, templates: bundledTemplates() });
      const expected = expectedChanges(settled, model.resourceChanges, masker);
      expect(expected).toEqual([{ address: plan.items[0]!.item.address, paths: ["ebs[0].size", "instance_type", "tags.Owner"] }]);
      // a plan -target'ed at the pull request's resources holds only them
      const targeted = { resourceChanges: model.resourceChanges.filter((c) => c.address === expected[0]!.address) };
      expect(checkPlannedChanges(expected, targeted, masker)).toEqual({ ok: true, changes: expected });
    }
  });
});
