// Prints the Subresource Integrity hash of dist/patchbay.js and writes it into
// docs/embed.md between the sri markers, so the docs always carry the hash of
// the committed bundle. It reads only the file, not a running Patchbay.
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";

const bundle = await readFile(new URL("../dist/patchbay.js", import.meta.url));
const sri = "sha384-" + createHash("sha384").update(bundle).digest("base64");
const version = createHash("sha256").update(bundle).digest("hex").slice(0, 12);
console.log(sri);
const docsURL = new URL("../../docs/embed.md", import.meta.url);
const docs = await readFile(docsURL, "utf8");
const block = `<!-- sri -->\n\`\`\`html\n<script src="https://patchbay.example.com/embed/v1/patchbay.js?v=${version}"\n        integrity="${sri}" crossorigin="anonymous"></script>\n\`\`\`\n<!-- /sri -->`;
const updated = docs.replace(/<!-- sri -->[\s\S]*?<!-- \/sri -->/, block);
if (updated !== docs) await writeFile(docsURL, updated);
