/**
 * Every package the lock file installs must run on the Node version the README
 * promises (the lowest one `engines.node` of the root allows): an npm warning about an
 * engine is a crash waiting for a fresh machine. Run by `npm run check:root`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';

const ROOT = join(__dirname, '..');
const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lowest = semver.minVersion(root.engines.node);
if (!lowest) throw new Error(`package.json engines.node is not a range: ${root.engines.node}`);
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[]; optional?: boolean; dev?: boolean }>;
};
const refused: string[] = [];
for (const [path, pkg] of Object.entries(lock.packages)) {
  const range = !Array.isArray(pkg.engines) ? pkg.engines?.node : undefined;
  if (!path || !range) continue;
  if (!semver.satisfies(lowest, range, { includePrerelease: true })) refused.push(`${path.replace(/^.*node_modules\//, '')}@${pkg.version} needs Node ${range}`);
}
if (refused.length) {
  console.error(`Packages that do not support Node ${lowest.version} (package.json engines):\n  ${refused.join('\n  ')}`);
  process.exit(1);
}
console.log(`every locked package supports Node ${lowest.version}`);
