/**
 * The test phase of `npm test`: every package's suites one package at a time (turbo),
 * and beside them the soak, which spends its minutes at a fixed, light load and would
 * otherwise add them to the whole run. The soak's output is printed after the rest, so
 * the two do not interleave. Fails when either fails.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

function run(command: string, args: string[], capture: boolean): { done: Promise<number>; output: () => string } {
  const child = spawn(command, args, { cwd: ROOT, stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit', env: process.env });
  let output = '';
  if (capture) {
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

async function main(): Promise<void> {
  const started = Date.now();
  const soak = run('npm', ['run', 'test:soak:short', '-w', '@frontrow/platform'], true);
  const suites = run('npx', ['turbo', 'run', 'test', '--concurrency=1', '--continue'], false);
  let soakEnded = false;
  void soak.done.then(() => (soakEnded = true));
  const suitesCode = await suites.done;
  if (!soakEnded) console.log('\nthe other suites are done; waiting for the soak ...');
  const soakCode = await soak.done;
  console.log(`\n── the soak (ran beside the suites above) ──\n${soak.output()}`);
  console.log(`tests: ${suitesCode === 0 ? 'passed' : 'FAILED'}; soak: ${soakCode === 0 ? 'passed' : 'FAILED'}; ${((Date.now() - started) / 60_000).toFixed(1)} min`);
  process.exit(suitesCode || soakCode);
}

void main();
