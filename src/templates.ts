import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";
import type { Render, Templates } from "./core/templates.js";
import { escapeMarkdownInline, escapeMarkdownProse, escapeMarkdownUrl } from "./core/render/escape-markdown.js";
import { escapeTerminal } from "./core/render/terminal/escape-terminal.js";

/** The interface lives in core (core renders through it and imports nothing above itself); this file implements it. */
export type { Templates } from "./core/templates.js";

export const TEMPLATES_DIR = fileURLToPath(new URL("../templates/", import.meta.url));

/** The only helpers templates may call. */
const helpers = {
  /** `{{plural n "resource" "resources"}}` -> "1 resource" / "3 resources" */
  plural: (count: number, singular: string, pluralForm: string) => `${count} ${count === 1 ? singular : pluralForm}`,
  /** A value inline in markdown (text, a table cell, <code>): escapeMarkdownInline. Every plain `{{value}}` of a markdown template is this. */
  cell: (value: unknown) => new Handlebars.SafeString(escapeMarkdownInline(value)),
  /** driftback's sentence quoting values in backticks (a reason, a why): escapeMarkdownProse. */
  prose: (value: unknown) => new Handlebars.SafeString(escapeMarkdownProse(value)),
  /** A value as a link target: http(s) only, encoded so it cannot end the link. Every plain `{{…url}}` / `{{…Url}}` is this. */
  linkTarget: (value: unknown) => new Handlebars.SafeString(escapeMarkdownUrl(value)),
  /** A value on a terminal line (templates/text/): control characters shown escaped, never HTML entities. Every plain `{{value}}` of a text template is this. */
  terminal: (value: unknown) => new Handlebars.SafeString(escapeTerminal(value)),
};

/**
 * Markdown templates print every plain `{{value}}` through the markdown escaper (`cell`, or `linkTarget`
 * for a name ending in url): Handlebars' own HTML escaping leaves line breaks, pipes and markdown alone.
 * `{{{raw}}}` stays raw for what driftback rendered itself (partials' output, fenced code whose fence
 * the value cannot close). Terminal templates (text/) print every plain `{{value}}` through the terminal
 * escaper (`terminal`) instead. Plain-text templates (http/) are left as they are.
 */
function escapeValues(program: hbs.AST.Program, format: "markdown" | "text" = "markdown"): hbs.AST.Program {
  const visitor = new Handlebars.Visitor();
  visitor.MustacheStatement = function (mustache: hbs.AST.MustacheStatement) {
    const path = mustache.path;
    if (mustache.escaped && mustache.params.length === 0 && !mustache.hash && path.type === "PathExpression") {
      const expression = path as hbs.AST.PathExpression;
      if (!(expression.original in helpers)) {
        const helper = format === "text" ? "terminal" : /url$/i.test(expression.parts.at(-1) ?? "") ? "linkTarget" : "cell";
        mustache.params = [expression];
        mustache.path = { type: "PathExpression", data: false, depth: 0, parts: [helper], original: helper, loc: expression.loc } as hbs.AST.PathExpression;
      }
    }
  };
  visitor.accept(program);
  return program;
}

const COMPILE_OPTIONS: CompileOptions = {
  strict: true,
  knownHelpersOnly: true,
  knownHelpers: Object.fromEntries(Object.keys(helpers).map((name) => [name, true])),
};

/**
 * Compiles every template eagerly: a broken template fails at start-up, not on a user's PR. With `eager: false`
 * (the CLI, which renders one or two of them per run) each template is read and compiled on its first use.
 */
export function loadTemplates(dir: string = TEMPLATES_DIR, options: { eager?: boolean } = {}): Templates {
  const eager = options.eager ?? true;
  const hbs = Handlebars.create();
  for (const [name, fn] of Object.entries(helpers)) hbs.registerHelper(name, fn);
  const partialsDir = path.join(dir, "partials");
  const partials: Record<string, HandlebarsTemplateDelegate> = {};
  for (const file of readdirSync(partialsDir).filter((f) => f.endsWith(".hbs"))) {
    const name = path.basename(file, ".hbs");
    partials[name] = compile(hbs, path.join(partialsDir, file), eager);
    hbs.registerPartial(name, partials[name]);
  }
  const top = (name: string) => compile(hbs, path.join(dir, `${name}.hbs`), eager);
  const bind = (template: HandlebarsTemplateDelegate): Render => (view) => template(view, { allowProtoPropertiesByDefault: false });
  const trimmed = (template: HandlebarsTemplateDelegate): Render => (view) => bind(template)(view).trim();
  return {
    comment: bind(top("comment")),
    tooLarge: bind(top("too-large")),
    checkSummary: bind(top("check-summary")),
    checkText: bind(top("check-text")),
    configError: bind(top("config-error")),
    resourceDiff: bind(required(partials, "resource-diff")),
    resourceNames: bind(required(partials, "resource-names")),
    resourceRow: bind(required(partials, "resource-row")),
    outputs: bind(required(partials, "outputs")),
    dashboard: bind(top("dashboard")),
    driftItems: bind(top("drift-items")),
    demo: bind(top("demo")),
    actionSummary: bind(top("action-summary")),
    codifyReport: bind(top("codify-report")),
    parity: bind(top("parity")),
    backportCli: bind(top("backport-cli")),
    backportTitle: bind(top("backport-title")),
    backportBody: bind(top("backport-body")),
    driftRecord: bind(top("drift-record")),
    backportClosed: bind(top("backport-closed")),
    backportHumanPush: bind(top("backport-human-push")),
    backportIgnored: bind(top("backport-ignored")),
    backportApply: bind(top("backport-apply")),
    alignBody: bind(top("align-body")),
    alignReply: trimmed(top("align-reply")),
    breakGlassReply: trimmed(top("break-glass-reply")),
    incidentFollowUp: trimmed(top("incident-follow-up")),
    incidentNoteOpened: trimmed(top("incident-note-opened")),
    incidentNoteReconciled: trimmed(top("incident-note-reconciled")),
    formatNotice: trimmed(required(partials, "format-notice")),
    status: {
      planning: trimmed(top("status/planning")),
      superseded: trimmed(top("status/superseded")),
      internalError: trimmed(top("status/internal-error")),
      forkNotPlanned: trimmed(top("status/fork-not-planned")),
      planRefused: trimmed(top("status/plan-refused")),
    },
    text: {
      driftItems: bind(top("text/drift-items")),
      driftColumns: trimmed(top("text/drift-columns")),
      backport: bind(top("text/backport")),
      backportColumns: trimmed(top("text/backport-columns")),
      parity: bind(top("text/parity")),
      parityColumns: trimmed(top("text/parity-columns")),
      parityWhy: trimmed(top("text/parity-why")),
      codify: bind(top("text/codify")),
      preview: bind(top("text/preview")),
      previewColumns: trimmed(top("text/preview-columns")),
      align: bind(top("text/align")),
      alignColumns: trimmed(top("text/align-columns")),
      incidents: bind(top("text/incidents")),
      incidentsColumns: trimmed(top("text/incidents-columns")),
      expect: bind(top("text/expect")),
    },
    http: {
      bodyTooLarge: trimmed(top("http/body-too-large")),
      malformedRequest: trimmed(top("http/malformed-request")),
      scanOff: trimmed(top("http/scan-off")),
      scanMethod: trimmed(top("http/scan-method")),
      scanUnauthorized: trimmed(top("http/scan-unauthorized")),
      scanBadRepo: trimmed(top("http/scan-bad-repo")),
      incidentUnknown: trimmed(top("http/incident-unknown")),
      incidentOff: trimmed(top("http/incident-off")),
      incidentMethod: trimmed(top("http/incident-method")),
      incidentUnauthorized: trimmed(top("http/incident-unauthorized")),
      incidentMalformed: trimmed(top("http/incident-malformed")),
      notReadyShuttingDown: trimmed(top("http/not-ready-shutting-down")),
      notReadyRedis: trimmed(top("http/not-ready-redis")),
      notReadyLoading: trimmed(top("http/not-ready-loading")),
    },
  };
}

function compile(hbs: typeof Handlebars, file: string, eager: boolean): HandlebarsTemplateDelegate {
  if (!eager) {
    let template: HandlebarsTemplateDelegate | undefined;
    return (context, options) => (template ??= compile(hbs, file, true))(context, options);
  }
  const source = readFileSync(file, "utf8");
  // plain text: HTTP answers, PagerDuty's notes (shown as text) and the terminal's codify report
  const dirs = file.split(path.sep);
  const text = dirs.at(-2) === "text"; // the terminal's text format: its own escaper
  const markdown = !text && !dirs.includes("http") && !/^(incident-note-|codify-report)/.test(path.basename(file));
  try {
    const parse = () => (text ? escapeValues(hbs.parse(source), "text") : markdown ? escapeValues(hbs.parse(source)) : source);
    const template = hbs.compile(parse(), COMPILE_OPTIONS);
    // Handlebars compiles lazily; force it now so syntax errors surface at load time
    hbs.precompile(parse(), COMPILE_OPTIONS);
    return template;
  } catch (error) {
    throw new Error(`template ${file} does not compile: ${(error as Error).message}`, { cause: error });
  }
}

function required(partials: Record<string, HandlebarsTemplateDelegate>, name: string): HandlebarsTemplateDelegate {
  const partial = partials[name];
  if (!partial) throw new Error(`template partial ${name}.hbs is missing from ${TEMPLATES_DIR}partials`);
  return partial;
}

let cached: Templates | undefined;
/** The bundled templates, compiled once per process. */
export function bundledTemplates(): Templates {
  cached ??= loadTemplates();
  return cached;
}

let cachedLazy: Templates | undefined;
/** The bundled templates for the CLI: each compiled when first used (the test suite compiles them all). */
export function cliTemplates(): Templates {
  cachedLazy ??= loadTemplates(TEMPLATES_DIR, { eager: false });
  return cachedLazy;
}
