import 'reflect-metadata';
import { ConfigError, createLogger, loadConfig, setting } from '@frontrow/kit';
import { start } from './server';

const logger = createLogger('identity');

async function main(): Promise<void> {
  const config = loadConfig({
    IDENTITY_PORT: setting.int({ default: 4001, min: 0, max: 65535 }),
    HOST: setting.string({ default: '127.0.0.1' }),
    PRINCIPAL_SECRET: setting.string({ minLength: 32 }),
    DATABASE_URL: setting.url({ optional: true, protocols: ['postgres', 'postgresql'] }),
    REDIS_URL: setting.url({ optional: true, protocols: ['redis', 'rediss'] }),
    AMQP_URL: setting.url({ optional: true, protocols: ['amqp', 'amqps'] }),
    SEED_ADMIN_EMAIL: setting.optionalString(),
    SEED_ADMIN_PASSWORD: setting.optionalString(),
    PUBLIC_WEB_URL: setting.string({ default: 'http://localhost:4000' }),
  });
  const seedAdmin =
    config.SEED_ADMIN_EMAIL && config.SEED_ADMIN_PASSWORD
      ? { email: config.SEED_ADMIN_EMAIL, password: config.SEED_ADMIN_PASSWORD }
      : undefined;
  const handle = await start({
    port: config.IDENTITY_PORT,
    host: config.HOST,
    principalSecret: config.PRINCIPAL_SECRET,
    databaseUrl: config.DATABASE_URL,
    embeddedDataDir: config.DATABASE_URL ? undefined : '.data/identity',
    redisUrl: config.REDIS_URL,
    amqpUrl: config.AMQP_URL,
    seedAdmin,
    settings: { verificationUri: `${config.PUBLIC_WEB_URL.replace(/\/$/, '')}/pair` },
    logger,
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void handle.stop().then(() => process.exit(0)));
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) logger.fatal(e.message);
  else logger.fatal({ err: e }, 'identity failed to start');
  process.exit(2);
});
