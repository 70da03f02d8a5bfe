/**
 * The test phase of `npm test`. The soak spends its minutes (5 in CI) at a fixed, light
 * load, so it runs beside the suites of every package but the platform (one package at a
 * time, as turbo runs them), without their fault tests (FAULTS_APART), which stop the
 * shared RabbitMQ the soak uses. Then the fault tests, then the platform's own suites,
 * whose fault tests load the machine heavily. The soak's output is printed once it ends,
 * so that the two do not interleave. Fails when any part fails.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

function run(command: string, args: string[], opts: { capture?: boolean; env?: Record<string, string> } = {}): { done: Promise<number>; output: () => string } {
  const child = spawn(command, args, {
    cwd: ROOT,
    stdio: opts.capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    env: { ...process.env, ...opts.env },
  });
  let output = '';
  if (opts.capture) {
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  }
  const done = new Promise<number>((resolve) => {
    child.once('error', (err) => {
      output += `${command} could not start: ${err.message}\n`;
      resolve(1);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
  return { done, output: () => output };
}

const minutes = (since: number) => `${((Date.now() - since) / 60_000).toFixed(1)} min`;

async function main(): Promise<void> {
  const started = Date.now();
  const soak = run('npm', ['run', 'test:soak:short', '-w', '@frontrow/platform'], { capture: true });
  let soakEnded = false;
  void soak.done.then(() => (soakEnded = true));
  const packages = await run('npx', ['turbo', 'run', 'test', '--concurrency=1', '--continue', '--filter=!@frontrow/platform'], { env: { FAULTS_APART: '1' } }).done;
  if (!soakEnded) console.log(`\nthe packages' suites are done (${minutes(started)}); waiting for the soak ...`);
  const soakCode = await soak.done;
  console.log(`\n── the soak (ran beside the suites above; ${minutes(started)}) ──\n${soak.output()}`);
  const faults = await run('npx', ['turbo', 'run', 'test:fault', '--concurrency=1', '--continue']).done;
  // SOAK_APART: the platform's suites without the soak, which has just run.
  const platform = await run('npx', ['turbo', 'run', 'test', '--filter=@frontrow/platform'], { env: { SOAK_APART: '1' } }).done;
  const verdict = (code: number) => (code === 0 ? 'passed' : 'FAILED');
  console.log(
    `packages' suites: ${verdict(packages)}; soak: ${verdict(soakCode)}; fault tests: ${verdict(faults)}; ` +
      `platform's suites: ${verdict(platform)}; ${minutes(started)}`,
  );
  process.exit(packages || soakCode || faults || platform);
}

void main();
