import { describe, expect, inject, it } from "vitest";
import { renderHclValue } from "../../src/core/hcl/render-value.js";
import { createSandbox, terraformOk } from "../support/sandbox.js";

const probe = inject("realTerraform");

/** Text that HCL's `<<-` rules treat specially: whitespace-only lines, no-break spaces, tabs, combining marks. */
const VALUES = [
  "#!/bin/sh\n  \necho hello\n\t\n  exit 0\n",
  "\u00a0\u00a0#!/bin/sh\n\u00a0\u00a0echo api\n",
  "  indented\n\u00a0nbsp\nflush\n",
  "\u0301combining\n  two\n",
  "line\n\n\nEOT\n  EOT2\n",
  "${HOME} and %{ if }\n  \u2003em\n",
];

/** Outputs only: `terraform apply` needs no provider, so this runs offline. */
describe.skipIf(!probe.available)("real terraform reads driftback's heredocs as the strings it rendered", { timeout: 60_000 }, () => {
  it("in a `<<-` heredoc where it keeps one, else in `<<`, at any indentation", async () => {
    const outputs = VALUES.flatMap((value, i) => [
      `output "flush_${i}" {\n  value = ${renderHclValue(value, "  ", "\n", false, { indentedHeredoc: true })}\n}\n`,
      `output "plain_${i}" {\n  value = ${renderHclValue(value, "  ")}\n}\n`,
    ]);
    const sandbox = createSandbox("heredoc-values", { "main.tf": outputs.join("\n") });
    await terraformOk(sandbox, ["init", "-input=false"]);
    await terraformOk(sandbox, ["apply", "-auto-approve", "-input=false"]);
    const read = JSON.parse((await terraformOk(sandbox, ["output", "-json"])).stdout) as Record<string, { value: string }>;
    VALUES.forEach((value, i) => {
      expect(read[`flush_${i}`]?.value, `flush_${i}`).toBe(value);
      expect(read[`plain_${i}`]?.value, `plain_${i}`).toBe(value);
    });
  });
});
