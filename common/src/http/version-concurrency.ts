import type { Schema } from 'mongoose';

type SchemaPlugin = (schema: Schema) => void;

// mongoose-update-if-current's entry point also loads core-js/stable and regenerator-runtime, which
// replace built-ins such as JSON.stringify with their polyfills in the whole process (it showed in the
// CPU profile of GET /api/tickets/:id, on every response and log line). Its version plugin, loaded on
// its own, needs neither.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { versionOCCPlugin } = require('mongoose-update-if-current/lib/version-occ-plugin') as { versionOCCPlugin: SchemaPlugin };

/**
 * mongoose-update-if-current's version plugin: every `save()` of a document is conditioned on the
 * `version` it was read with and increments it, so a stale save matches nothing (DocumentNotFoundError).
 */
export const updateIfCurrentPlugin: SchemaPlugin = versionOCCPlugin;
