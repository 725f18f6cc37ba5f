// Module hooks for test/cli-start.test.ts: every module the process resolves is appended to $LOADED_MODULES_LOG.
import { appendFileSync } from "node:fs";

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (process.env.LOADED_MODULES_LOG) appendFileSync(process.env.LOADED_MODULES_LOG, `${result.url}\n`);
  return result;
}
