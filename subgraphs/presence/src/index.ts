import 'reflect-metadata';
import { ConfigError, createLogger, logProcessFailures, loadConfig, setting } from '@frontrow/kit';
import { start } from './server';

const logger = createLogger('presence');
logProcessFailures(logger);

async function main(): Promise<void> {
  const config = loadConfig({
    PRESENCE_PORT: setting.int({ default: 4006, min: 0, max: 65535 }),
    HOST: setting.string({ default: '127.0.0.1' }),
    PRINCIPAL_SECRET: setting.string({ minLength: 32 }),
    DATABASE_URL: setting.url({ optional: true, protocols: ['postgres', 'postgresql'] }),
    REDIS_URL: setting.url({ optional: true, protocols: ['redis', 'rediss'] }),
    AMQP_URL: setting.url({ optional: true, protocols: ['amqp', 'amqps'] }),
    PARTY_MAX_MEMBERS: setting.int({ default: 8, min: 2, max: 20_000 }),
    PRESENCE_GRACE_SECONDS: setting.int({ default: 30, min: 0, max: 3600 }),
    PRESENCE_ONLINE_EVENTS_UP_TO: setting.int({ default: 50, min: 0, max: 20_000 }),
    /** The Postgres schema for presence's tables (default: presence). */
    DATABASE_SCHEMA: setting.optionalString(),
  });
  const handle = await start({
    port: config.PRESENCE_PORT,
    host: config.HOST,
    principalSecret: config.PRINCIPAL_SECRET,
    databaseUrl: config.DATABASE_URL,
    databaseSchema: config.DATABASE_SCHEMA,
    embeddedDataDir: config.DATABASE_URL ? undefined : '.data/presence',
    redisUrl: config.REDIS_URL,
    amqpUrl: config.AMQP_URL,
    settings: {
      maxPartySize: config.PARTY_MAX_MEMBERS,
      graceMs: config.PRESENCE_GRACE_SECONDS * 1000,
      onlineEventsUpToMembers: config.PRESENCE_ONLINE_EVENTS_UP_TO,
    },
    logger,
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void handle.stop().then(() => process.exit(0)));
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) logger.fatal(e.message);
  else logger.fatal({ err: e }, 'presence failed to start');
  process.exit(2);
});
