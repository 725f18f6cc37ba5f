import { parseResourceAddress } from "./address.js";
import type { HclWorkspace } from "./workspace.js";

/**
 * Whether the workspace's code declares the resource at `address`: each module call from the root
 * down, then the resource block. A module from outside the repository (registry, git) counts as
 * declaring what is inside it: its code is not here to look into. Pure.
 */
export function declaresResource(ws: HclWorkspace, address: string): boolean {
  const parsed = parseResourceAddress(address);
  if (!parsed) return false;
  let dir = ws.rootDir;
  for (const module of parsed.modules) {
    const call = ws.moduleCalls(dir).find((c) => c.name === module.name);
    if (!call) return false;
    if (!call.dir) return true;
    dir = call.dir;
  }
  if (parsed.mode === "data") return ws.moduleFiles(dir).length > 0; // drift never comes from a data source; not judged here
  return ws.findResource(dir, parsed.type, parsed.name) !== undefined;
}

/**
 * The addresses (each once, in order) when the code declares none of them: a `--dir` that is not
 * the workspace the plan came from. Undefined when there is nothing to check or one is declared.
 */
export function noneDeclared(ws: HclWorkspace, addresses: readonly string[]): string[] | undefined {
  const unique = [...new Set(addresses)];
  if (unique.length === 0 || unique.some((address) => declaresResource(ws, address))) return undefined;
  return unique;
}
