// patchbay.js: defines <patchbay-webhooks>, <patchbay-connections>,
// <patchbay-authorized-apps>, <patchbay-marketplace>, <patchbay-developer>
// and <patchbay-review-console>, and mounts a hosted page when loaded by one.
import "./webhooks.js";
import "./connections.js";
import "./authorized-apps.js";
import "./marketplace.js";
import "./developer.js";
import "./review-console.js";
import { mountPortal } from "./portal.js";

mountPortal();
