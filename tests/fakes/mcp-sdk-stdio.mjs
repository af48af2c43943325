// mcp-sdk-stdio.mjs SDKDIR TOOL JSON -- COMMAND [ARG...]
//
// The official TypeScript SDK's client over stdio, as a peer for shell
// tests: start COMMAND (with our whole environment), initialize, list
// the tools (their names go to stderr, one line, comma-separated), call
// TOOL with the arguments JSON, and print the result object as JSON on
// stdout.  SDKDIR is node_modules/@modelcontextprotocol/sdk.  Exit 1 on
// any failure (the SDK validates every message it gets).
import { pathToFileURL } from "node:url";

const [sdk, tool, json, sep, command, ...args] = process.argv.slice(2);
if (sep !== "--" || !command) {
	console.error("usage: mcp-sdk-stdio.mjs SDKDIR TOOL JSON -- COMMAND [ARG...]");
	process.exit(2);
}
const { Client } = await import(pathToFileURL(`${sdk}/dist/esm/client/index.js`));
const { StdioClientTransport } = await import(
	pathToFileURL(`${sdk}/dist/esm/client/stdio.js`));

const client = new Client({ name: "hermes-test", version: "1.0.0" });
try {
	await client.connect(new StdioClientTransport({
		command, args, env: { ...process.env }, stderr: "inherit" }));
	const { tools } = await client.listTools();
	console.error(tools.map((t) => t.name).join(","));
	const res = await client.callTool({ name: tool, arguments: JSON.parse(json) });
	console.log(JSON.stringify(res));
	await client.close();
} catch (e) {
	console.error(`mcp-sdk-stdio: ${e.message}`);
	process.exit(1);
}
