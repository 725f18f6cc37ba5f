import { benchCodify } from "./codify.js";
import { benchPreviewRender } from "./preview-render.js";

// Figures and ratios measured in one run on this machine; no timing assertions live in tests.
benchPreviewRender();
console.log();
await benchCodify();
