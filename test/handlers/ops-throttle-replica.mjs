// One driftback replica's Probot, in a process of its own (Octokit's throttling keeps its Bottleneck groups per
// process): it makes one request to a stubbed GitHub with REDIS_URL set, then prints which ioredis it loaded.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import nock from "nock";
import { Probot } from "probot";

const [redisUrl, keyFile] = process.argv.slice(2);
nock.disableNetConnect();
nock.enableNetConnect("127.0.0.1");
nock("https://api.github.com").get("/app").reply(200, { id: 1, slug: "driftback" });
const probot = new Probot({ appId: 1, privateKey: readFileSync(keyFile, "utf8"), redisConfig: redisUrl, logLevel: "warn" });
const octokit = await probot.auth();
const answer = await octokit.request("GET /app");
const ioredis = createRequire(import.meta.url).resolve("ioredis");
console.log(JSON.stringify({ status: answer.status, ioredis }));
process.exit(0);
