// patchbay.js: defines <patchbay-webhooks>, <patchbay-connections> and
// <patchbay-authorized-apps>, and mounts a hosted page when loaded by one.
import "./webhooks.js";
import "./connections.js";
import "./authorized-apps.js";
import { mountPortal } from "./portal.js";

mountPortal();
