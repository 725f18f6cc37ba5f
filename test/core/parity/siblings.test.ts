import { describe, expect, it } from "vitest";
import { planBackports, renderBackportBody, settleBackport } from "../../../src/core/backport/index.js";
import { Masker } from "../../../src/core/render/mask.js";
import { bundledTemplates } from "../../../src/templates.js";
import { driftItem } from "../../support/drift-item.js";
import { configWith, decideAll } from "../backport/support.js";
import { paritySiblings } from "../../../src/core/parity/siblings.js";
import type { ParityReport } from "../../../src/core/parity/types.js";

const templates = bundledTemplates();

const report: ParityReport = {
  groups: [
    {
      group: {
        name: "modules/service",
        origin: "automatic",
        module: "modules/service",
        expected: [],
        members: [
          { id: "staging", workspace: "staging", root: "envs/staging", modules: [{ name: "shop" }] },
          { id: "prod-us", workspace: "prod-us", root: "envs/prod-us", modules: [{ name: "shop" }] },
          { id: "prod-eu", workspace: "prod-eu", root: "envs/prod-eu", modules: [{ name: "shop" }] },
        ],
      },
      differences: [
        {
          kind: "live",
          resource: "sandbox_deployment.app",
          attribute: "env.DB_TIMEOUT",
          values: { staging: { value: "10s" }, "prod-us": { value: "10s" }, "prod-eu": { value: "60s" } },
          cause: "drift",
          drift: [{ member: "prod-eu", fingerprint: "0123456789abcdef" }],
        },
        { kind: "live", resource: "sandbox_deployment.app", attribute: "replicas", values: { staging: { value: 2 }, "prod-us": { value: 4 }, "prod-eu": { value: 2 } }, cause: "code" },
      ],
      versions: [],
      unknown: [],
    },
  ],
};

describe("paritySiblings (issue 16 §6: a codify of drift in one member names what the others keep)", () => {
  const siblings = paritySiblings(report);

  it("finds the drifted member's difference by workspace, full address and attribute", () => {
    expect(siblings("prod-eu", "module.shop.sandbox_deployment.app", "env.DB_TIMEOUT")).toEqual({
      group: "modules/service",
      member: "prod-eu",
      resource: "sandbox_deployment.app",
      attribute: "env.DB_TIMEOUT",
      others: [
        { member: "staging", value: { value: "10s" } },
        { member: "prod-us", value: { value: "10s" } },
      ],
      command: "/driftback align modules/service sandbox_deployment.app env.DB_TIMEOUT to prod-eu",
    });
  });

  it("nothing for another member, another attribute, or a difference caused by code", () => {
    expect(siblings("staging", "module.shop.sandbox_deployment.app", "env.DB_TIMEOUT")).toBeUndefined();
    expect(siblings("prod-eu", "module.shop.sandbox_deployment.app", "env.LOG_LEVEL")).toBeUndefined();
    expect(siblings("prod-us", "module.shop.sandbox_deployment.app", "replicas")).toBeUndefined();
  });

});

describe("the codify pull request's body in a parity group", () => {
  const config = configWith();
  const masker = new Masker(config.mask);
  const item = driftItem("module.shop.sandbox_deployment.app", "env.DB_TIMEOUT", { workspace: "prod-eu", before: "10s", after: "60s" });
  const [plan] = planBackports(decideAll([item], config, masker), { config, masker, templates, firstSeen: () => "2026-11-01" });
  const settled = settleBackport(plan!, new Map(plan!.items.map((i) => [i.fingerprint, { status: "codified" as const, file: "envs/prod-eu/main.tf" }])), { config, masker, templates });

  it("says the other members keep their value and how to align them to this one instead", () => {
    const body = renderBackportBody({ settled, revertChanges: [], config }, { masker, templates, parity: paritySiblings(report) });
    expect(body).toContain("#### Environment parity");
    expect(body).toContain(
      "- <code>module.shop.sandbox_deployment.app</code> <code>env.DB_TIMEOUT</code> is codified in this workspace only: in parity group <code>modules/service</code>, <code>staging</code> and <code>prod-us</code> keep <code>10s</code>. To make the others match this value instead, comment <code>/driftback align modules/service sandbox_deployment.app env.DB_TIMEOUT to prod-eu</code>.",
    );
  });

  it("no section without parity, or when the drift is no group's difference", () => {
    expect(renderBackportBody({ settled, revertChanges: [], config }, { masker, templates })).not.toContain("Environment parity");
    expect(renderBackportBody({ settled, revertChanges: [], config }, { masker, templates, parity: () => undefined })).not.toContain("Environment parity");
  });
});
