import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SDK = join(__dirname, '..');
// The generator runs as `npm run codegen` does, in its own process (its CLI is ESM-only inside).
const check = () => run(process.execPath, ['-r', '@frontrow/register', 'codegen/generate.ts', '--check'], { cwd: SDK });

describe('the generated operations', () => {
  it('match what `npm run codegen` writes from supergraph.graphql and src/operations (the gateway\'s persisted operations too)', async () => {
    const { stdout } = await check();
    expect(stdout).toContain('up to date');
  });

  it('are reported as out of date when an operation changes without regenerating', async () => {
    const file = join(SDK, 'src', 'operations', 'events.graphql');
    const original = readFileSync(file, 'utf8');
    try {
      writeFileSync(file, original.replace('query EventPage($id: ID!) {\n  event(id: $id) {', 'query EventPage($id: ID!) {\n  event(id: $id) {\n    createdAt'));
      await expect(check()).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('src/generated/graphql.ts') });
      await expect(check()).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('gateway/persisted-operations.json') });
    } finally {
      writeFileSync(file, original);
    }
  });

  it('report the gateway\'s persisted operations as out of date when they differ from the clients\' operations', async () => {
    const file = join(SDK, '..', '..', 'gateway', 'persisted-operations.json');
    const original = readFileSync(file, 'utf8');
    try {
      const manifest = JSON.parse(original) as { operations: Array<{ name: string }> };
      writeFileSync(file, JSON.stringify({ ...manifest, operations: manifest.operations.filter((o) => o.name !== 'EventPage') }, null, 2) + '\n');
      await expect(check()).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/out of date: .*gateway\/persisted-operations\.json/) });
    } finally {
      writeFileSync(file, original);
    }
  });
});
