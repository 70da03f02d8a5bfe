import 'reflect-metadata';
import { ConfigError, createLogger, logProcessFailures, loadConfig, setting } from '@frontrow/kit';
import { start } from './server';

const logger = createLogger('events');
logProcessFailures(logger);

async function main(): Promise<void> {
  const config = loadConfig({
    EVENTS_PORT: setting.int({ default: 4002, min: 0, max: 65535 }),
    HOST: setting.string({ default: '127.0.0.1' }),
    PRINCIPAL_SECRET: setting.string({ minLength: 32 }),
    DATABASE_URL: setting.url({ optional: true, protocols: ['postgres', 'postgresql'] }),
    AMQP_URL: setting.url({ optional: true, protocols: ['amqp', 'amqps'] }),
    // auto: seed the demo season in the embedded mode (no DATABASE_URL) only.
    SEED_DEMO: setting.oneOf(['auto', 'true', 'false'] as const, { default: 'auto' }),
  });
  const handle = await start({
    port: config.EVENTS_PORT,
    host: config.HOST,
    principalSecret: config.PRINCIPAL_SECRET,
    databaseUrl: config.DATABASE_URL,
    embeddedDataDir: config.DATABASE_URL ? undefined : '.data/events',
    amqpUrl: config.AMQP_URL,
    seedDemo: config.SEED_DEMO === 'true' || (config.SEED_DEMO === 'auto' && !config.DATABASE_URL),
    logger,
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void handle.stop().then(() => process.exit(0)));
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) logger.fatal(e.message);
  else logger.fatal({ err: e }, 'events failed to start');
  process.exit(2);
});
