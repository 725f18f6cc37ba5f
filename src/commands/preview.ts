import { parsePlan } from "../core/plan/parse.js";
import { Masker } from "../core/render/mask.js";
import { renderComment } from "../core/render/preview.js";
import { renderPreviewText } from "../core/render/terminal/preview-text.js";
import type { Templates } from "../templates.js";
import { newerFormatNotice, readPlanJson } from "./plan-file.js";

export type PreviewFormat = "text" | "markdown";

export interface PreviewCommandOptions {
  file: string;
  format: PreviewFormat;
  /** For the text format: the terminal's width and colour. */
  textOutput: { width: number; colour: boolean };
  maxChars: number;
  workspace: string;
  dir: string;
  maskAttribute: string[];
  maskValue: string[];
  templates: Templates;
  /** A line for stderr (the text format says a newer plan format here; the comment says it itself). */
  notice?: (line: string) => void;
}

/** `driftback preview`: the pull-request comment (markdown), or the plan for a terminal (text). */
export async function previewCommand(options: PreviewCommandOptions): Promise<string> {
  const model = parsePlan(await readPlanJson(options.file, "plan file"));
  const masker = new Masker({ attributes: options.maskAttribute, values: options.maskValue });
  const tool = model.terraformVersion ? `terraform ${model.terraformVersion}` : undefined;
  if (options.format === "text") {
    const notice = newerFormatNotice(model, options.templates);
    if (notice) options.notice?.(notice);
    const { preview, previewColumns } = options.templates.text;
    return renderPreviewText(model, { workspace: options.workspace, dir: options.dir, tool, masker, ...options.textOutput, render: preview, columns: previewColumns });
  }
  // a format newer than driftback knows is said in the comment itself
  return renderComment({ results: [{ kind: "planned", name: options.workspace, dir: options.dir, terraformWorkspace: "default", tool, model }], maxChars: options.maxChars }, { masker, templates: options.templates });
}
