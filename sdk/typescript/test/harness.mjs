// Starts a real Patchbay (the binary built from this tree) on loopback for
// the SDK's tests, on SQLite or a fresh PostgreSQL database, with an admin key.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";

const repoRoot = resolve(import.meta.dirname, "../../..");
let binary;

/** patchbayBinary builds cmd/patchbay once per test process. */
function patchbayBinary() {
  if (!binary) {
    binary = join(mkdtempSync(join(tmpdir(), "pbsdk-bin-")), "patchbay");
    execFileSync("go", ["build", "-o", binary, "./cmd/patchbay"], { cwd: repoRoot, stdio: "inherit" });
  }
  return binary;
}

/** dialects are the stores to run on: SQLite always; PostgreSQL when configured, and required under CI. */
export function dialects() {
  const url = process.env.PATCHBAY_TEST_DATABASE_URL;
  if (!url && process.env.CI === "true") throw new Error("CI=true but PATCHBAY_TEST_DATABASE_URL is unset: the PostgreSQL SDK tests cannot run");
  return url ? ["sqlite", "postgres"] : ["sqlite"];
}

function freshDatabase() {
  const base = new URL(process.env.PATCHBAY_TEST_DATABASE_URL);
  const name = "pbsdk_" + randomBytes(6).toString("hex");
  execFileSync("psql", [base.toString(), "-qc", `CREATE DATABASE ${name}`]);
  const url = new URL(base);
  url.pathname = "/" + name;
  return { url: url.toString(), drop: () => execFileSync("psql", [base.toString(), "-qc", `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]) };
}

const encryptionKey = "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktMDAwMDA=";

/** startPatchbay runs `patchbay serve` on a free loopback port and returns its URL and an admin key. */
export async function startPatchbay(dialect, extraArgs = []) {
  const bin = patchbayBinary();
  const dir = mkdtempSync(join(tmpdir(), "pbsdk-"));
  let store, db;
  if (dialect === "postgres") {
    db = freshDatabase();
    store = ["--database-url", db.url];
  } else {
    store = ["--data", dir];
  }
  const keyOut = execFileSync(bin, ["keys", "create", "--create", "--name", "sdk-tests", ...store], { encoding: "utf8" });
  const key = keyOut.trim().split("\n").pop();
  if (!key.startsWith("pbk_")) throw new Error("keys create printed no key:\n" + keyOut);
  const args = ["serve", "--addr", "127.0.0.1:0", ...store, "--outbound-allow", "127.0.0.0/8", "--webhook-allow-http", ...extraArgs];
  if (dialect === "postgres") args.push("--encryption-key", encryptionKey);
  const proc = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"] });
  const logs = [];
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error("patchbay did not listen within 30s:\n" + logs.join("\n"))), 30000);
    createInterface({ input: proc.stderr }).on("line", (line) => {
      logs.push(line);
      try {
        const rec = JSON.parse(line);
        if (rec.msg === "listening") {
          clearTimeout(timer);
          ok("http://" + rec.addr);
        }
      } catch {}
    });
    proc.on("exit", (code) => fail(new Error(`patchbay exited (${code}):\n` + logs.join("\n"))));
  });
  return {
    url,
    key,
    logs,
    async stop() {
      proc.kill("SIGTERM");
      await new Promise((ok) => (proc.exitCode !== null ? ok() : proc.once("exit", ok)));
      db?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** startReceiver records every webhook request and answers 200; next() resolves with the next one not yet taken. */
export async function startReceiver() {
  const requests = [];
  const waiters = [];
  let taken = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      requests.push({ url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200).end("ok");
      while (waiters.length > 0 && taken < requests.length) waiters.shift()(requests[taken++]);
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks`,
    requests,
    next: () => (taken < requests.length ? Promise.resolve(requests[taken++]) : new Promise((ok) => waiters.push(ok))),
    close: () => new Promise((ok) => server.close(ok)),
  };
}
