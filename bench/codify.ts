import { performance } from "node:perf_hooks";
import { loadHclParser } from "../src/adapters/hcl/parser.js";
import { hclToolchain } from "../src/adapters/hcl/toolchain.js";
import type { DriftTarget } from "../src/core/hcl/resolve.js";
import { HclWorkspace } from "../src/core/hcl/workspace.js";
import { codifyDrift } from "../src/usecases/codify-drift.js";

const FILES = 2_000;
const RESOURCES_PER_FILE = 10;
const CODIFY_SAMPLES = 41;

function resourceBlock(file: number, index: number): string {
  return `resource "aws_instance" "web_${file}_${index}" {
  ami           = "ami-${file}${index}"
  instance_type = "t3.small"
  monitoring    = true

  tags = {
    Name  = "web-${file}-${index}"
    Owner = "platform"
  }

  root_block_device {
    volume_size = 20
    volume_type = "gp3"
  }
}
`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Index a generated 2,000-file workspace, compare with raw tree-sitter parsing, then time single codifies. */
export async function benchCodify(): Promise<void> {
  const parser = await loadHclParser();
  const files = Array.from({ length: FILES }, (_, f) => ({
    path: `infra/big/resources_${String(f).padStart(4, "0")}.tf`,
    source: Array.from({ length: RESOURCES_PER_FILE }, (_, r) => resourceBlock(f, r)).join("\n"),
  }));
  const bytes = files.reduce((n, f) => n + f.source.length, 0);

  // warm both paths once, then interleave rounds of raw parsing and indexing; medians of 3 each
  for (const f of files.slice(0, 50)) parser.parse(f.source).delete();
  const parseRounds: number[] = [];
  const indexRounds: number[] = [];
  let ws = new HclWorkspace((source) => parser.parse(source), "infra/big");
  for (let round = 0; round < 3; round++) {
    let start = performance.now();
    for (const f of files) parser.parse(f.source).delete();
    parseRounds.push(performance.now() - start);
    start = performance.now();
    ws = new HclWorkspace((source) => parser.parse(source), "infra/big");
    for (const f of files) ws.add(f.path, f.source);
    indexRounds.push(performance.now() - start);
  }
  const parseMs = median(parseRounds);
  const indexMs = median(indexRounds);

  await hclToolchain.format('a = 1\n'); // start the wasm toolchain once, as a server would
  await hclToolchain.validate("warm.tf", "a = 1\n");
  const times: number[] = [];
  for (let i = 0; i < CODIFY_SAMPLES; i++) {
    const file = (i * 47) % FILES;
    const address = `aws_instance.web_${file}_${i % RESOURCES_PER_FILE}`;
    const target: DriftTarget = {
      address,
      path: ["tags", "Owner"],
      live: `team-${i}`,
      liveResource: null,
      recordedResource: null,
      sensitive: false,
      managed: true,
    };
    const start = performance.now();
    const [result] = await codifyDrift({ toolchain: hclToolchain }, ws, [target]);
    times.push(performance.now() - start);
    if (result?.status !== "codified") throw new Error(`bench codify failed: ${JSON.stringify(result)}`);
  }
  const ratio = indexMs / parseMs;
  const codifyMedian = median(times);
  console.log(`codify: ${FILES} .tf files, ${FILES * RESOURCES_PER_FILE} resources, ${(bytes / 1e6).toFixed(1)} MB`);
  console.log(`  raw tree-sitter parse   ${parseMs.toFixed(0)} ms (median of 3)`);
  console.log(`  index (parse + maps)    ${indexMs.toFixed(0)} ms (median of 3, interleaved)`);
  console.log(`  ratio index/parse       ${ratio.toFixed(2)}  (goal <= 1.3) ${ratio <= 1.3 ? "OK" : "OVER GOAL"}`);
  console.log(`  codify one attribute    ${codifyMedian.toFixed(1)} ms median of ${CODIFY_SAMPLES} (goal <= 50 ms, with validation and formatting) ${codifyMedian <= 50 ? "OK" : "OVER GOAL"}`);
  console.log(`  peak RSS                ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}
