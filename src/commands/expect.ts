import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createTwoFilesPatch } from "diff";
import { loadRepoGraph } from "../adapters/hcl/load-repo-view.js";
import { loadHclParser } from "../adapters/hcl/parser.js";
import { CONFIG_PATH } from "../config/validate.js";
import { markExpected } from "../core/parity/expect-config.js";
import { parityGroups } from "../core/parity/groups.js";
import { escapeForOneLine } from "../core/printable.js";
import { renderExpectText } from "../core/render/terminal/expect-text.js";
import { bundledTemplates, type Templates } from "../templates.js";
import { readRepoConfig } from "./backport-setup.js";
import { CommandInputError, requireDirectory } from "./workspace-checks.js";

export interface ExpectCommandOptions {
  dir: string;
  group: string;
  resource: string;
  attribute: string;
  /** Write the config; without it, print the diff. */
  write: boolean;
  /** diff: the config's unified diff or one line (the default); text: the same for a terminal, coloured, the summary last. */
  format?: ExpectFormat;
  /** For the text format: the terminal's width and colour, and its templates. */
  textOutput?: { width: number; colour: boolean };
  templates?: Pick<Templates, "text">;
}

export type ExpectFormat = "text" | "diff";

/**
 * `driftback expect`: marks one parity difference expected by design, the other way to close a gap (issue 16 §6):
 * its `{ address, attribute }` glob is added to the group's `expected` in .github/driftback.yml (an automatic
 * group gets a configured group that keeps matching by its module). Prints the diff, or writes it with --write.
 */
export async function expectCommand(options: ExpectCommandOptions): Promise<string> {
  await requireDirectory(options.dir, "--dir");
  const found = await readRepoConfig(options.dir, options.dir);
  const file = path.join(options.dir, CONFIG_PATH);
  if (!found) throw new CommandInputError(`${escapeForOneLine(file)} does not exist: parity groups and what they expect live there`);
  const graph = await loadRepoGraph(await loadHclParser(), path.resolve(options.dir));
  const { groups } = parityGroups({ graph, workspaces: found.config.workspaces.map((w) => ({ name: w.name, dir: w.dir })), config: found.config.parity });
  const group = groups.find((g) => g.name === options.group);
  if (!group) throw new CommandInputError(`--group ${escapeForOneLine(options.group)} is not a parity group of this repository (its groups: ${escapeForOneLine(groups.map((g) => g.name).join(", ") || "none")})`);
  const text = await readFile(file, "utf8");
  const edit = markExpected(text, group, { address: options.resource, attribute: options.attribute });
  if (!edit.ok) throw new CommandInputError(`${escapeForOneLine(file)}: ${escapeForOneLine(edit.reason)}`);
  const say = (outcome: "already" | "written" | "diff", diff: string, plain: string) => {
    if (options.format !== "text") return plain;
    const { width, colour } = options.textOutput ?? { width: 80, colour: false };
    return renderExpectText({ group: options.group, resource: options.resource, attribute: options.attribute, diff, outcome, width, colour, render: (options.templates ?? bundledTemplates()).text.expect });
  };
  if (edit.text === text) return say("already", "", `${CONFIG_PATH} already expects ${options.attribute} of ${options.resource} in ${options.group}: nothing to change\n`);
  if (options.write) {
    await writeFile(file, edit.text);
    return say("written", "", `wrote ${CONFIG_PATH}: ${options.attribute} of ${options.resource} is expected to differ in ${options.group}\n`);
  }
  const diff = createTwoFilesPatch(`a/${CONFIG_PATH}`, `b/${CONFIG_PATH}`, text, edit.text, "", "", { context: 3 });
  return say("diff", diff, diff);
}
