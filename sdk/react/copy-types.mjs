// The components' types are written once, in web/src/patchbay.d.ts; this
// package ships a copy so that it stands alone once published.
import { copyFile, mkdir } from "node:fs/promises";

const source = new URL("../../web/dist/patchbay.d.ts", import.meta.url);
await copyFile(source, new URL("src/patchbay.d.ts", import.meta.url));
await mkdir(new URL("dist/", import.meta.url), { recursive: true });
await copyFile(source, new URL("dist/patchbay.d.ts", import.meta.url));
