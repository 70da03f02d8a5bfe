import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { isCi, need, onPath } from '../src/testing';

/** What Jest's --json says of one run, as far as these tests read it. */
interface JestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  testResults: Array<{ assertionResults: Array<{ ancestorTitles: string[]; title: string; status: string; failureMessages: string[] }> }>;
}

/** needs.fixture.ts in a Jest of its own, with CI set or not; its exit code, report and stderr. */
function runFixture(ci: boolean): Promise<{ code: number | null; report: JestReport; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.CI;
  delete env.FRONTROW_NEEDS_FIXTURE_ABSENT;
  if (ci) env.CI = 'true';
  const config = join(__dirname, 'fixtures', 'needs.jest.config.js');
  const child = spawn(process.execPath, [require.resolve('jest/bin/jest'), '--config', config, '--json', '--runInBand'], {
    cwd: join(__dirname, 'fixtures'),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      try {
        resolve({ code, report: JSON.parse(stdout) as JestReport, stderr });
      } catch {
        reject(new Error(`jest printed no report (exit ${code}): ${stdout.slice(0, 500)} ${stderr.slice(-2000)}`));
      }
    });
  });
}

function results(report: JestReport) {
  return report.testResults.flatMap((file) => file.assertionResults).map((r) => ({ suite: r.ancestorTitles.join(' > '), ...r }));
}

describe('needs()', () => {
  it('locally skips what lacks a need, says why, and runs the rest', async () => {
    const { code, report, stderr } = await runFixture(false);
    expect(code).toBe(0);
    expect(report.numFailedTests).toBe(0);
    expect(report.numPassedTests).toBe(2);
    expect(report.numPendingTests).toBe(3);
    const skipped = results(report).filter((r) => r.status === 'pending');
    expect(skipped.map((r) => r.suite + ' > ' + r.title)).toEqual([
      'a suite without what it needs (skipped: needs FRONTROW_NEEDS_FIXTURE_ABSENT set) > first test of the body',
      'a suite without what it needs (skipped: needs FRONTROW_NEEDS_FIXTURE_ABSENT set) > second test of the body',
      'a suite with one test that needs more > needs what is missing (skipped: needs FRONTROW_NEEDS_FIXTURE_ABSENT set)',
    ]);
    expect(stderr).toContain('SKIPPED "a suite without what it needs": needs FRONTROW_NEEDS_FIXTURE_ABSENT set');
    expect(stderr).toContain('SKIPPED "needs what is missing": needs FRONTROW_NEEDS_FIXTURE_ABSENT set');
  }, 120_000);

  it('in CI fails what lacks a need, names what is missing, runs none of its body, and skips nothing', async () => {
    const { code, report } = await runFixture(true);
    expect(code).toBe(1);
    expect(report.numPendingTests).toBe(0);
    expect(report.numPassedTests).toBe(2);
    const failed = results(report).filter((r) => r.status === 'failed');
    expect(failed.map((r) => r.suite + ' > ' + r.title)).toEqual([
      'a suite without what it needs > cannot run: it needs FRONTROW_NEEDS_FIXTURE_ABSENT set',
      'a suite with one test that needs more > needs what is missing (cannot run: it needs FRONTROW_NEEDS_FIXTURE_ABSENT set)',
    ]);
    for (const f of failed) {
      expect(f.failureMessages.join('\n')).toMatch(/cannot run: it needs FRONTROW_NEEDS_FIXTURE_ABSENT set\. In CI a suite that cannot run fails/);
      expect(f.failureMessages.join('\n')).not.toMatch(/was run/);
    }
  }, 120_000);
});

describe('isCi()', () => {
  it('reads CI as CI services set it', () => {
    expect(isCi({})).toBe(false);
    for (const off of ['', '0', 'false', 'FALSE', ' false ']) expect(isCi({ CI: off })).toBe(false);
    for (const on of ['true', '1', 'yes', 'woodpecker']) expect(isCi({ CI: on })).toBe(true);
  });
});

describe('need', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'needs-'));
    writeFileSync(join(dir, 'runnable'), '#!/bin/sh\n');
    chmodSync(join(dir, 'runnable'), 0o755);
    writeFileSync(join(dir, 'not-runnable'), 'data');
    chmodSync(join(dir, 'not-runnable'), 0o644);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds an executable on PATH, and only an executable', () => {
    const path = ['/nonexistent-folder', dir].join(delimiter);
    expect(onPath('runnable', path)).toBe(join(dir, 'runnable'));
    expect(onPath('absent', path)).toBeNull();
    expect(onPath('not-runnable', path)).toBeNull();
    expect(need.command('node')).toEqual({ what: 'node on PATH', present: true });
  });

  it('names an environment variable and whether it is set', () => {
    expect(need.env('FRONTROW_NEEDS_TEST_SURELY_UNSET')).toEqual({ what: 'FRONTROW_NEEDS_TEST_SURELY_UNSET set', present: false });
    expect(need.env('PATH').present).toBe(true);
  });
});
