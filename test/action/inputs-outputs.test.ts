import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ActionInputError, readActionInputs } from "../../src/action/inputs.js";
import { outputEntry, writeOutputs } from "../../src/action/outputs.js";
import { workflowCommandText } from "../../src/action/run.js";
import { persistedCheckoutToken, runnerContext, scrubRunnerSecrets } from "../../src/action/runner.js";
import { parseOutputFile } from "./action-env.js";

describe("the Action's inputs", () => {
  it("reads INPUT_GITHUB-TOKEN (a JavaScript action's form) and INPUT_GITHUB_TOKEN (what action.yml passes)", () => {
    expect(readActionInputs({ "INPUT_GITHUB-TOKEN": "t1" }).token).toBe("t1");
    expect(readActionInputs({ INPUT_GITHUB_TOKEN: "t2", INPUT_WORKSPACES: "prod, staging-*\ndev" })).toMatchObject({ token: "t2", workspaces: ["prod", "staging-*", "dev"], configFile: "driftback.yml" });
    expect(readActionInputs({ INPUT_GITHUB_TOKEN: "t", INPUT_CONFIG: "./.github/infra.yaml" }).configFile).toBe("infra.yaml");
  });

  it.each([
    [{}, /input github-token is empty/],
    [{ INPUT_GITHUB_TOKEN: "t", INPUT_CONFIG: "config/driftback.yml" }, /input config is "config\/driftback.yml": it must name a .yml or .yaml file directly under .github\//],
    [{ INPUT_GITHUB_TOKEN: "t", INPUT_CONFIG: ".github/../../etc/passwd.yml" }, /input config is/],
    [{ INPUT_GITHUB_TOKEN: "t", INPUT_DRY_RUN: "yes" }, /input dry-run is "yes": use true or false/],
    [{ INPUT_GITHUB_TOKEN: "t", INPUT_APP_ID: "12x" }, /input app-id is "12x"/],
    [{ INPUT_GITHUB_TOKEN: "t", INPUT_APP_ID: "42" }, /input app-id is set without bot-login/],
    [{ INPUT_GITHUB_TOKEN: "t", INPUT_BOT_LOGIN: "a b" }, /input bot-login is "a b"/],
  ])("refuses %j, naming the input and what to do", (env, message) => {
    expect(() => readActionInputs(env)).toThrow(ActionInputError);
    expect(() => readActionInputs(env)).toThrow(message);
  });
});

describe("the runner's context and secrets", () => {
  it("names a missing runner variable, and a GITHUB_REPOSITORY that is not owner/name", () => {
    expect(() => runnerContext({ GITHUB_EVENT_NAME: "schedule", GITHUB_EVENT_PATH: "/e" })).toThrow("GITHUB_REPOSITORY is not set");
    expect(() => runnerContext({ GITHUB_EVENT_NAME: "schedule", GITHUB_EVENT_PATH: "/e", GITHUB_REPOSITORY: "a/b/c" })).toThrow('GITHUB_REPOSITORY is "a/b/c": expected owner/name');
    expect(runnerContext({ GITHUB_EVENT_NAME: "schedule", GITHUB_EVENT_PATH: "/e", GITHUB_REPOSITORY: "a/b", GITHUB_API_URL: "https://ghe.example/api/v3/" }).apiUrl).toBe("https://ghe.example/api/v3");
  });

  it("removes inputs, the runtime's tokens, the file commands and any copy of a secret; keeps what terraform needs", () => {
    const env: NodeJS.ProcessEnv = { "INPUT_GITHUB-TOKEN": "ghs_secret123", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "x", ACTIONS_RUNTIME_TOKEN: "y", GITHUB_ENV: "/f", GITHUB_PATH: "/p", GITHUB_OUTPUT: "/o", GITHUB_STEP_SUMMARY: "/s", GITHUB_STATE: "/st", MY_COPY: "token ghs_secret123", GITHUB_REPOSITORY: "a/b", AWS_ACCESS_KEY_ID: "ASIA", PATH: "/bin" };
    expect(scrubRunnerSecrets(env, ["ghs_secret123"])).toEqual(["ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_RUNTIME_TOKEN", "GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_STATE", "GITHUB_STEP_SUMMARY", "INPUT_GITHUB-TOKEN", "MY_COPY"]);
    expect(env).toEqual({ GITHUB_REPOSITORY: "a/b", AWS_ACCESS_KEY_ID: "ASIA", PATH: "/bin" });
  });

  it("notices actions/checkout's persisted token in the workspace's git config", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ws-"));
    expect(persistedCheckoutToken(dir)).toBe(false);
    const git = path.join(dir, ".git");
    mkdirSync(git);
    writeFileSync(path.join(git, "config"), '[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic eC1hY2Nlc3M=\n');
    expect(persistedCheckoutToken(dir)).toBe(true);
    // actions/checkout v6: the header in a credentials file under RUNNER_TEMP, included from the config
    writeFileSync(path.join(git, "config"), '[includeIf "gitdir:/home/runner/work/r/r/.git"]\n\tpath = /home/runner/work/_temp/git-credentials-1234.config\n');
    expect(persistedCheckoutToken(dir)).toBe(true);
    writeFileSync(path.join(git, "config"), '[core]\n\tbare = false\n');
    expect(persistedCheckoutToken(dir)).toBe(false);
  });
});

describe("the Action's outputs", () => {
  it("writes GITHUB_OUTPUT entries the runner reads back exactly, whatever the value holds", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "out-"));
    const file = path.join(dir, "output");
    writeFileSync(file, "");
    const tricky = '[{"title":"a\\nb"}]\nsecond line\nname<<EOF\nEOF';
    writeOutputs(file, { "drift-count": "3", "pull-requests": tricky });
    expect(parseOutputFile(readFileSync(file, "utf8"))).toEqual({ "drift-count": "3", "pull-requests": tricky });
  });

  it("never lets a value close its own entry, nor a bad name through", () => {
    expect(() => outputEntry("x", "a\nDELIM\nb", "DELIM")).toThrow("contains its delimiter");
    expect(() => outputEntry("bad name", "v")).toThrow("not a valid step output name");
  });

  it("escapes % CR LF in a workflow command's message, so a message cannot start another command", () => {
    expect(workflowCommandText("50%\r\n::add-mask::x")).toBe("50%25%0D%0A::add-mask::x");
  });
});
