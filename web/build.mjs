// Builds dist/patchbay.js, the one bundle Patchbay embeds and serves, and
// copies the public type declarations beside it. The output depends only on
// the sources and the pinned packages, so CI can rebuild and compare.
import { build } from "esbuild";
import { copyFile } from "node:fs/promises";

await build({
  entryPoints: ["src/index.ts"],
  outfile: "dist/patchbay.js",
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2022"],
  legalComments: "eof",
  logLevel: "warning",
});
await copyFile("src/patchbay.d.ts", "dist/patchbay.d.ts");
