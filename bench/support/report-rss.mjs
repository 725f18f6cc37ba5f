// Loaded with --import into a measured child process: prints its peak RSS on exit, to stderr.
process.on("exit", () => process.stderr.write(`\nDRIFTBACK_BENCH_MAXRSS_KB=${process.resourceUsage().maxRSS}\n`));
