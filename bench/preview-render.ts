import { performance } from "node:perf_hooks";
import { parsePlan } from "../src/core/plan/parse.js";
import { Masker } from "../src/core/render/mask.js";
import { renderComment } from "../src/core/render/preview.js";
import { bundledTemplates } from "../src/templates.js";
import { generatePlan } from "../test/support/generate-plan.js";

const RESOURCES = 5_000;
const ROUNDS = 15;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Renders the PR comment for a generated 5,000-resource plan and compares it with JSON.parse
 * of the same bytes, both measured in this run (medians of interleaved rounds).
 */
export function benchPreviewRender(): { ratio: number } {
  const text = generatePlan({ resources: RESOURCES, seed: 42 });
  const templates = bundledTemplates();
  const parseTimes: number[] = [];
  const renderTimes: number[] = [];
  let comment = "";
  for (let round = 0; round < ROUNDS + 2; round++) {
    let start = performance.now();
    const doc = JSON.parse(text);
    const parseMs = performance.now() - start;
    start = performance.now();
    comment = renderComment({ results: [{ kind: "planned", name: "bench", dir: "infra/bench", terraformWorkspace: "default", model: parsePlan(doc) }], headSha: "0123456789abcdef" }, { masker: new Masker(), templates });
    const renderMs = performance.now() - start;
    if (round >= 2) {
      // the first rounds warm the JIT and are not counted
      parseTimes.push(parseMs);
      renderTimes.push(renderMs);
    }
  }
  const parse = median(parseTimes);
  const render = median(renderTimes);
  const ratio = render / parse;
  console.log(`preview render: ${RESOURCES} resources, ${(text.length / 1e6).toFixed(1)} MB of plan JSON, comment ${comment.length} chars`);
  console.log(`  JSON.parse            ${parse.toFixed(1)} ms (median of ${ROUNDS})`);
  console.log(`  plan model + render   ${render.toFixed(1)} ms (median of ${ROUNDS})`);
  console.log(`  ratio render/parse    ${ratio.toFixed(2)}  (goal <= 2.0) ${ratio <= 2 ? "OK" : "OVER GOAL"}`);
  console.log(`  peak RSS              ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  return { ratio };
}
