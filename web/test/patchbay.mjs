// A real Patchbay for node tests (the browser tests, the TypeScript SDK's,
// the generated automation apps'): the binary built from this tree on
// loopback, on SQLite or a fresh PostgreSQL database, with an admin key, and
// a webhook receiver. It needs no npm package.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";

export const repoRoot = resolve(import.meta.dirname, "../..");
export const resultsDir = resolve(import.meta.dirname, "../test-results");

let binary;
/** patchbayBinary builds cmd/patchbay once per test process. */
export function patchbayBinary() {
  if (!binary) {
    mkdirSync(resultsDir, { recursive: true });
    binary = join(resultsDir, "patchbay");
    execFileSync("go", ["build", "-o", binary, "./cmd/patchbay"], { cwd: repoRoot, stdio: "inherit" });
  }
  return binary;
}

/** dialects are the stores to run on: SQLite always; PostgreSQL when configured, and required under CI. */
export function dialects() {
  const url = process.env.PATCHBAY_TEST_DATABASE_URL;
  if (!url && process.env.CI === "true") throw new Error("CI=true but PATCHBAY_TEST_DATABASE_URL is unset: the PostgreSQL browser tests cannot run");
  return url ? ["sqlite", "postgres"] : ["sqlite"];
}

/** freshDatabase creates a database of its own on the configured server and returns its URL and a drop function. */
function freshDatabase() {
  const base = new URL(process.env.PATCHBAY_TEST_DATABASE_URL);
  const name = "pbweb_" + randomBytes(6).toString("hex");
  execFileSync("psql", [base.toString(), "-qc", `CREATE DATABASE ${name}`]);
  const url = new URL(base);
  url.pathname = "/" + name;
  return {
    url: url.toString(),
    drop: () => execFileSync("psql", [base.toString(), "-qc", `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]),
  };
}

const encryptionKey = "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktMDAwMDA=";

/** startPatchbay runs `patchbay serve` on a free loopback port and returns its URL, an admin key and helpers. */
export async function startPatchbay(dialect, extraArgs = []) {
  const bin = patchbayBinary();
  const dir = mkdtempSync(join(tmpdir(), "pbweb-"));
  let store, db;
  if (dialect === "postgres") {
    db = freshDatabase();
    store = ["--database-url", db.url];
  } else {
    store = ["--data", dir];
  }
  const keyOut = execFileSync(bin, ["keys", "create", "--create", "--name", "browser-tests", ...store], { encoding: "utf8" });
  const key = keyOut.trim().split("\n").pop();
  if (!key.startsWith("pbk_")) throw new Error("keys create printed no key:\n" + keyOut);
  const serveArgs = ["serve", "--addr", "127.0.0.1:0", ...store, "--outbound-allow", "127.0.0.0/8", "--webhook-allow-http",
    "--webhook-retry-schedule", "200ms,400ms", "--rate-limit", "0", ...extraArgs];
  if (dialect === "postgres") serveArgs.push("--encryption-key", encryptionKey);
  const proc = spawn(bin, serveArgs, { stdio: ["ignore", "ignore", "pipe"] });
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
  async function admin(method, path, body) {
    const resp = await fetch(url + path, {
      method,
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await resp.text();
    if (!resp.ok) throw new Error(`${method} ${path}: ${resp.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }
  return {
    url,
    key,
    logs,
    admin,
    /** mint returns a fresh embed token. */
    mint: (opts) => admin("POST", "/v1/embed/tokens", { allowed_origins: [], ...opts }),
    async stop() {
      proc.kill("SIGTERM");
      await new Promise((ok) => (proc.exitCode !== null ? ok() : proc.once("exit", ok)));
      db?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * startReceiver is a webhook receiver on loopback that records every
 * request. It answers 200, except at /failing, where a message's first three
 * attempts (the first and two retries) get 500. next() takes the requests
 * in order of arrival.
 */
export async function startReceiver() {
  const requests = [];
  const waiters = [];
  let taken = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      requests.push({ url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      // /failing fails until something was recovered: its first delivery of each message fails.
      const failing = req.url === "/failing" && requests.filter((r) => r.headers["webhook-id"] === req.headers["webhook-id"]).length <= 3;
      res.writeHead(failing ? 500 : 200, { "Content-Type": "text/plain" }).end(failing ? "failing" : "received");
      while (waiters.length > 0 && taken < requests.length) waiters.shift()(requests[taken++]);
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    url: `${base}/hooks`,
    failingURL: `${base}/failing`,
    requests,
    /** next resolves with the next request not yet taken. */
    next: () => (taken < requests.length ? Promise.resolve(requests[taken++]) : new Promise((ok) => waiters.push(ok))),
    close: () => new Promise((ok) => server.close(ok)),
  };
}

/** eventually retries fn until it stops throwing, for up to ms. */
export async function eventually(fn, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((ok) => setTimeout(ok, 200));
    }
  }
}
