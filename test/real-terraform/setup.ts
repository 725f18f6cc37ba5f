import type { TestProject } from "vitest/node";
import { probeRealTerraform, type TerraformProbe } from "../support/sandbox.js";

declare module "vitest" {
  export interface ProvidedContext {
    realTerraform: TerraformProbe;
  }
}

/** Looks for terraform and the sandbox provider once per run; says so in one line when the suite cannot run. */
export default async function setup(project: TestProject): Promise<void> {
  const probe = await probeRealTerraform();
  if (!probe.available) console.warn(`real-terraform suite SKIPPED: ${probe.reason}`);
  project.provide("realTerraform", probe);
}
