import { z } from "zod";
import { configSchema } from "./schema.js";

/** The JSON Schema committed as schema/driftback.schema.json, for editors and for people. */
export function configJsonSchema(): string {
  const schema = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" });
  const document = {
    ...schema,
    title: "driftback configuration (.github/driftback.yml)",
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
