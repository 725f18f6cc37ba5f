import { format } from "@cdktf/hcl-tools";
import { parse } from "@cdktf/hcl2json";
import { parseJsonSpans } from "../../core/hcl/json-var-file.js";

/** Terraform's own parser and formatter (Go, compiled to wasm): the judges of every edit. */
export interface HclToolchain {
  /** undefined when `source` parses (as JSON for a `.json` file); otherwise the parser's message. */
  validate(file: string, source: string): Promise<string | undefined>;
  format(source: string): Promise<string>;
}

export const hclToolchain: HclToolchain = {
  async validate(file, source) {
    // a .tfvars.json var file is JSON, which terraform reads with its JSON parser
    if (file.endsWith(".json")) {
      try {
        parseJsonSpans(source);
        return undefined;
      } catch (error) {
        return `${file}: ${(error as Error).message}`;
      }
    }
    try {
      await parse(file, source);
      return undefined;
    } catch (error) {
      return String((error as Error).message ?? error).replace(/^Error: /, "");
    }
  },
  format: (source) => format(source),
};
