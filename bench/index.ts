import { benchBackport } from "./backport.js";
import { benchCliStart } from "./cli-start.js";
import { benchCodify } from "./codify.js";
import { benchDriftCli } from "./drift-cli.js";
import { benchIncidents } from "./incidents.js";
import { benchIncidentResolved } from "./incident-resolved.js";
import { benchIsolation } from "./isolation.js";
import { benchMaskPatterns } from "./mask-patterns.js";
import { benchParity } from "./parity.js";
import { benchPreviewRender } from "./preview-render.js";
import { benchQueue } from "./queue.js";
import { benchRepoView } from "./repo-view.js";
import { benchScan } from "./scan.js";

// Figures and ratios measured in one run on this machine; no timing assertions live in tests.
const only = process.argv[2];
if (!only || only === "preview") benchPreviewRender();
if (!only || only === "codify") await benchCodify();
if (!only || only === "scan") await benchScan();
if (!only || only === "drift") await benchDriftCli();
if (!only || only === "backport") await benchBackport();
if (!only || only === "repo-view") await benchRepoView();
if (!only || only === "incidents") benchIncidents();
if (!only || only === "incident-resolved") await benchIncidentResolved();
if (!only || only === "queue") await benchQueue();
if (!only || only === "isolation") await benchIsolation();
if (!only || only === "mask") benchMaskPatterns();
if (!only || only === "parity") await benchParity();
if (!only || only === "cli-start") await benchCliStart();
