import { writeFileSync } from "node:fs";
import { configJsonSchema } from "../src/config/json-schema.js";

writeFileSync(new URL("../schema/driftback.schema.json", import.meta.url), configJsonSchema());
console.log("wrote schema/driftback.schema.json");
