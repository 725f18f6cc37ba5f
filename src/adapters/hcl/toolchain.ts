import { format } from "@cdktf/hcl-tools";
import { parse } from "@cdktf/hcl2json";

/** Terraform's own parser and formatter (Go, compiled to wasm): the judges of every edit. */
export interface HclToolchain {
  /** undefined when `source` parses; otherwise the parser's message. */
  validate(file: string, source: string): Promise<string | undefined>;
  format(source: string): Promise<string>;
}

export const hclToolchain: HclToolchain = {
  async validate(file, source) {
    try {
      await parse(file, source);
      return undefined;
    } catch (error) {
      return String((error as Error).message ?? error).replace(/^Error: /, "");
    }
  },
  format: (source) => format(source),
};
