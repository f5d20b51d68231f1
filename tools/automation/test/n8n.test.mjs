// The generated n8n community node package, built and linted by n8n's own
// node tooling (@n8n/node-cli), from a live Patchbay's catalog.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { dialects, generate, startSaaS } from "./setup.mjs";

const n8nNode = resolve(import.meta.dirname, "../node_modules/.bin/n8n-node");

/** n8nNodeCLI runs an n8n-node command in dir and returns its output; a failure throws with it. */
function n8nNodeCLI(dir, command) {
  try {
    return execFileSync(n8nNode, [command], { cwd: dir, encoding: "utf8", env: { ...process.env, CI: "true", FORCE_COLOR: "0" }, stdio: "pipe" });
  } catch (err) {
    throw new Error(`n8n-node ${command} failed:\n${err.stdout}\n${err.stderr}`);
  }
}

for (const dialect of dialects()) {
  describe(`generated n8n package (${dialect})`, () => {
    let saas, dir;
    before(async () => {
      saas = await startSaaS(dialect);
      dir = generate(saas, "n8n", `n8n-nodes-acme-${dialect}`);
    });
    after(async () => {
      await saas?.stop();
    });

    test("builds with n8n-node build", () => {
      n8nNodeCLI(dir, "build");
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      for (const file of [...pkg.n8n.nodes, ...pkg.n8n.credentials]) assert.ok(existsSync(join(dir, file)), `${file} was not built`);
    });

    test("lints clean with n8n-node lint", () => {
      n8nNodeCLI(dir, "lint");
    });

    test("its nodes describe the catalog's trigger and actions", async () => {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      const { createRequire } = await import("node:module");
      const require = createRequire(join(dir, "package.json"));
      const [Action, Trigger] = pkg.n8n.nodes.map((f) => new (Object.values(require(join(dir, f)))[0])());
      const ops = Action.description.properties.filter((p) => p.name === "operation").flatMap((p) => p.options.map((o) => o.value));
      assert.deepEqual(ops.sort(), ["createProject", "listTeams"]);
      const events = Trigger.description.properties.find((p) => p.name === "event").options.map((o) => o.value);
      assert.deepEqual(events, ["project.created"]);
      assert.equal(typeof Action.methods.loadOptions.getListTeamsChoices, "function");
    });
  });
}
