import 'reflect-metadata';
import { ConfigError, createLogger, logProcessFailures } from '@frontrow/kit';
import { readIdentityConfig } from './config';
import { start } from './server';

const logger = createLogger('identity');
logProcessFailures(logger);

async function main(): Promise<void> {
  const handle = await start({ ...readIdentityConfig(), logger });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void handle.stop().then(() => process.exit(0)));
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) logger.fatal(e.message);
  else logger.fatal({ err: e }, 'identity failed to start');
  process.exit(2);
});
