import fs from 'node:fs';
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import YAML from 'yaml';

export const API_DOCS_PATH = '/api/docs';
/** The repository's docs/openapi.yaml (the same two levels up from src/ and from dist/). */
export const DEFAULT_OPENAPI_FILE = path.resolve(__dirname, '../../docs/openapi.yaml');

/** The viewer's files this page uses, served from the swagger-ui-dist package (its own index.html points at a demo API). */
const VIEWER_ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-16x16.png', 'favicon-32x32.png']);

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Ticketing API</title>
    <link rel="stylesheet" href="${API_DOCS_PATH}/swagger-ui.css" />
    <link rel="icon" type="image/png" href="${API_DOCS_PATH}/favicon-32x32.png" sizes="32x32" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${API_DOCS_PATH}/swagger-ui-bundle.js"></script>
    <script src="${API_DOCS_PATH}/ticketing-docs.js"></script>
  </body>
</html>
`;

// validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io.
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: '${API_DOCS_PATH}/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

function viewerDir(): string {
  return path.dirname(require.resolve('swagger-ui-dist/package.json'));
}

/**
 * `GET /api/docs`: the OpenAPI document as JSON for `Accept: application/json` (also at
 * `/api/docs/openapi.json`), else a Swagger UI page whose files come from the swagger-ui-dist package
 * under /api/docs/, nothing from another origin. The YAML is read per request, so an edit shows at once.
 */
export function apiDocsRouter(openApiFile = DEFAULT_OPENAPI_FILE): Router {
  const router = Router();
  const sendDocument = (_req: Request, res: Response): void => {
    let document: unknown;
    try {
      document = YAML.parse(fs.readFileSync(openApiFile, 'utf8'));
    } catch (err) {
      res
        .status(503)
        .json({ errors: [{ message: `The OpenAPI document cannot be read: ${err instanceof Error ? err.message : String(err)}` }] });
      return;
    }
    res.setHeader('cache-control', 'no-cache');
    res.json(document);
  };

  router.get(`${API_DOCS_PATH}/openapi.json`, sendDocument);
  router.get([API_DOCS_PATH, `${API_DOCS_PATH}/`], (req, res) => {
    if (req.accepts(['text/html', 'application/json']) === 'application/json') return sendDocument(req, res);
    res.setHeader('cache-control', 'no-cache');
    res.type('html').send(PAGE);
  });
  router.get(`${API_DOCS_PATH}/ticketing-docs.js`, (_req, res) => {
    res.type('application/javascript').send(INIT_SCRIPT);
  });
  router.get(`${API_DOCS_PATH}/:asset`, (req, res, next) => {
    if (!VIEWER_ASSETS.has(req.params.asset)) return next();
    res.sendFile(path.join(viewerDir(), req.params.asset), { maxAge: '1h' });
  });
  return router;
}
