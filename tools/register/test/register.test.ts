import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REGISTER = join(__dirname, '..', 'index.js');
const PRECOMPILE = join(__dirname, '..', 'precompile.js');

// A program that reports what the loader gave it: the decorator metadata SWC emitted
// (type-graphql and MikroORM read it), whether SWC was loaded, and where a stack trace
// says an error was made.
const PROGRAM = `const seen: Array<[string, string]> = [];
(Reflect as unknown as { metadata: unknown }).metadata = (key: string, value: { name?: string }) => () => { seen.push([key, String(value?.name)]); };
function field(): PropertyDecorator { return () => undefined; }
class Ticket {
  @field() price!: number;
  @field() seat!: string;
}


function made(): string { return new Error('here').stack!.split('\\n')[1]; }
console.log(JSON.stringify({ seen, name: Ticket.name, version: VERSION, swcLoaded: Object.keys(require.cache).some((k) => k.includes('@swc')), at: made() }));
`;

interface Report { seen: Array<[string, string]>; name: string; version: number; swcLoaded: boolean; at: string }

describe('@frontrow/register', () => {
  let dir: string;
  let cache: string;
  let file: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'frontrow-register-'));
    cache = join(dir, 'cache');
    file = join(dir, 'program.ts');
  });
  afterEach(() => {
    chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  });

  function write(version: number): void {
    writeFileSync(file, `const VERSION: number = ${version};\n${PROGRAM}`);
  }

  function run(env: Record<string, string> = {}): Report {
    const result = spawnSync(process.execPath, ['-r', REGISTER, file], {
      env: { PATH: process.env.PATH, FRONTROW_TS_CACHE_DIR: cache, ...env },
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`exit ${result.status}: ${result.stderr}`);
    return JSON.parse(result.stdout) as Report;
  }

  it('runs TypeScript with legacy decorators and their metadata, as the tests compile it', () => {
    write(1);
    const report = run();
    expect(report.seen).toEqual([['design:type', 'Number'], ['design:type', 'String']]);
    expect(report.name).toBe('Ticket');
    expect(report.version).toBe(1);
  });

  it('compiles a file once: a second process runs it from the cache without loading SWC', () => {
    write(1);
    expect(run().swcLoaded).toBe(true);
    expect(run()).toMatchObject({ swcLoaded: false, version: 1 });
  });

  it('compiles a file again when its text changes', () => {
    write(1);
    expect(run().version).toBe(1);
    write(2);
    expect(run()).toMatchObject({ version: 2, swcLoaded: true });
  });

  it('maps stack traces to the TypeScript lines outside production, and writes no map in production', () => {
    write(1);
    // `made` is on line 11 of the file (the VERSION line comes first).
    expect(run().at).toMatch(/program\.ts:11:/);
    expect(readdirSync(cache).some((f) => f.endsWith('.map'))).toBe(true);

    rmSync(cache, { recursive: true });
    const production = run({ NODE_ENV: 'production' });
    expect(production.seen).toHaveLength(2);
    expect(readdirSync(cache).some((f) => f.endsWith('.map'))).toBe(false);
    // Forced on in production, the map is written.
    expect(run({ NODE_ENV: 'production', FRONTROW_SOURCE_MAPS: 'true' }).at).toMatch(/program\.ts:11:/);
  });

  it('runs from a cache it cannot write to, compiling in memory', () => {
    write(1);
    writeFileSync(cache, 'a file where the cache folder should be');
    expect(run()).toMatchObject({ version: 1, swcLoaded: true });
  });

  it('precompiles a folder, so that the first process already runs without SWC', () => {
    write(3);
    const result = spawnSync(process.execPath, [PRECOMPILE, dir], { env: { PATH: process.env.PATH, FRONTROW_TS_CACHE_DIR: cache }, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/1 files, 1 compiled/);
    expect(run()).toMatchObject({ version: 3, swcLoaded: false });
  });
});
