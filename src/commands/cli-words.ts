/**
 * The App tries again on its next scan; a CLI run is tried again by running the command again. The use cases and
 * adapters the CLI shares with the App say the App's words (in log lines, failure reasons and GitHub's errors);
 * what the CLI prints goes through `cliWords` first, so it never promises a scan that will not come.
 */
const APP_TO_CLI: readonly (readonly [app: string, cli: string])[] = [
  ["driftback tries again on the next scan", "run the command again to retry"],
  ["the next scan tries again", "run the command again to retry"],
  ["The next scan tries again", "Run the command again to retry"],
  ["the next scan looks again", "running the command again looks again"],
  ["retried on the next scan", "run the command again to retry"],
  ["the scan was cancelled", "the run was cancelled"],
];

/** Text the App's code wrote, in the CLI's words. */
export function cliWords(text: string): string {
  let out = text;
  for (const [app, cli] of APP_TO_CLI) out = out.replaceAll(app, cli);
  return out;
}
