import { browserNeeds, isCi } from './needs';

// eslint-disable-next-line no-restricted-syntax
export default function globalSetup(): void {
  const { missing } = browserNeeds();
  if (!missing.length) return;
  const reason = `the web portal's browser tests need ${missing.join(', ')}`;
  if (isCi()) throw new Error(`${reason}. In CI a suite that cannot run fails instead of being skipped; install it.`);
  console.warn(`SKIPPED: ${reason} (in CI this fails)`);
}
