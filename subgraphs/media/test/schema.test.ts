import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { printMediaSdl } from '../src/schema';

// Needs no Janus and no database: it runs wherever the other subgraphs' SDL tests run.
describe('schema', () => {
  it('matches the committed schema.graphql (run `npm run compose` after a change)', async () => {
    const committed = readFileSync(join(__dirname, '..', 'schema.graphql'), 'utf8');
    expect(`${(await printMediaSdl()).trim()}\n`).toBe(committed);
  });
});
