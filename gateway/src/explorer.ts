import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express, { type Express } from 'express';

const here = join(__dirname, 'explorer');
const requireFrom = createRequire(__filename);

/** Files served under /explorer/assets, all from installed packages: no CDN, works offline. */
function assets(): Record<string, string> {
  const pkg = (name: string) => dirname(requireFrom.resolve(`${name}/package.json`));
  return {
    'graphiql.min.js': join(pkg('graphiql'), 'graphiql.min.js'),
    'graphiql.min.css': join(pkg('graphiql'), 'graphiql.min.css'),
    'react.production.min.js': join(pkg('react'), 'umd', 'react.production.min.js'),
    'react-dom.production.min.js': join(pkg('react-dom'), 'umd', 'react-dom.production.min.js'),
  };
}

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
].join('; ');

/** GraphiQL for developers at /explorer, with a headers editor for a token or an API key. */
export function mountExplorer(app: Express): void {
  const files = assets();
  const send = (file: string, type: string) => (_req: express.Request, res: express.Response) => {
    res.set('content-security-policy', CSP).type(type).sendFile(file, { maxAge: '1h' });
  };
  app.get('/explorer', send(join(here, 'index.html'), 'html'));
  app.get('/explorer/explorer.js', send(join(here, 'explorer.js'), 'js'));
  app.get('/explorer/explorer.css', send(join(here, 'explorer.css'), 'css'));
  for (const [name, file] of Object.entries(files)) {
    app.get(`/explorer/assets/${name}`, send(file, name.endsWith('.css') ? 'css' : 'js'));
  }
}
