import type { JsonValue } from "../plan/model.js";
import { deepEqual } from "../render/values.js";
import { evaluateBody } from "./blocks.js";
import { evaluateExpression } from "./evaluate.js";
import { jsonValueAt } from "./json-var-file.js";
import { resolveTarget, type DriftTarget } from "./resolve.js";
import { blockBody, bodyBlocks } from "./syntax.js";
import type { HclWorkspace } from "./workspace.js";

/** Reads the attribute back from the (edited) code: does it now say what is really running? */
export function readBack(ws: HclWorkspace, target: DriftTarget): { ok: true } | { ok: false; detail: string } {
  const resolution = resolveTarget(ws, target);
  switch (resolution.kind) {
    case "refused":
      return { ok: false, detail: resolution.reason };
    case "absent":
      return { ok: false, detail: "the attribute is still missing from the code" };
    case "lifted":
      return { ok: false, detail: "the value is still written where other callers share it" };
    case "literal": {
      if (resolution.steps.length > 0) return { ok: false, detail: "the value is still missing from the code" };
      const value = evaluateExpression(resolution.expression);
      if (value.kind !== "literal") return { ok: false, detail: "the code no longer holds a literal there" };
      return deepEqual(value.value, target.live) ? { ok: true } : { ok: false, detail: `the code now says ${JSON.stringify(value.value)}` };
    }
    case "json": {
      const value = jsonValueAt(ws.source(resolution.file), resolution.name, resolution.steps);
      if (value === undefined) return { ok: false, detail: `\`${resolution.file}\` does not hold the value yet` };
      return deepEqual(value, target.live) ? { ok: true } : { ok: false, detail: `\`${resolution.file}\` now says ${JSON.stringify(value)}` };
    }
    case "blocks": {
      const blocks = bodyBlocks(blockBody(resolution.block), resolution.type).map(evaluateBody);
      const live = (Array.isArray(target.live) ? target.live : []) as Record<string, JsonValue>[];
      const unmatched = new Set(blocks.map((_, i) => i));
      for (const element of live) {
        const match = [...unmatched].find((i) => blocks[i] && Object.entries(blocks[i]!).every(([k, v]) => deepEqual(element[k] ?? null, v, true)));
        if (match === undefined) return { ok: false, detail: `no \`${resolution.type}\` block matches ${JSON.stringify(element)}` };
        unmatched.delete(match);
      }
      return unmatched.size === 0 ? { ok: true } : { ok: false, detail: `${unmatched.size} \`${resolution.type}\` blocks have no live counterpart` };
    }
  }
}
