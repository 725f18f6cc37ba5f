import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe } from "vitest";

/** ../shared beside the project: real plans and webhook payloads, never copied into the repo. */
export const SHARED_DIR = path.resolve(fileURLToPath(new URL("../../../shared", import.meta.url)));
export const SHARED_PLANS_DIR = path.join(SHARED_DIR, "fixtures", "plans");
export const SHARED_WEBHOOKS_DIR = path.join(SHARED_DIR, "fixtures", "webhooks");
export const sharedAvailable = existsSync(SHARED_PLANS_DIR);

if (!sharedAvailable) {
  console.warn(`[driftback tests] ${SHARED_PLANS_DIR} is absent: conformance tests on real plans and payloads are SKIPPED`);
}

/** A describe block that runs only when ../shared is there, and says so loudly when it is not. */
export const describeShared = sharedAvailable ? describe : describe.skip;

export function sharedPlanFiles(): string[] {
  return sharedAvailable ? readdirSync(SHARED_PLANS_DIR).filter((f) => f.endsWith(".json")).sort() : [];
}

export function readSharedPlan(file: string): string {
  return readFileSync(path.join(SHARED_PLANS_DIR, file), "utf8");
}

export function readSharedWebhook<T = Record<string, any>>(name: string): T {
  return JSON.parse(readFileSync(path.join(SHARED_WEBHOOKS_DIR, `${name}.json`), "utf8")) as T;
}
