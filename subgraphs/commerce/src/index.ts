import 'reflect-metadata';
import { ConfigError, createLogger, logProcessFailures, loadConfig, setting } from '@frontrow/kit';
import { start } from './server';

const logger = createLogger('commerce');
logProcessFailures(logger);

async function main(): Promise<void> {
  const config = loadConfig({
    COMMERCE_PORT: setting.int({ default: 4004, min: 0, max: 65535 }),
    HOST: setting.string({ default: '127.0.0.1' }),
    PRINCIPAL_SECRET: setting.string({ minLength: 32 }),
    PAYMENTS_WEBHOOK_SECRET: setting.string({ minLength: 24 }),
    RESERVATION_TTL_SECONDS: setting.int({ default: 900, min: 1, max: 86_400 }),
    PUBLIC_GATEWAY_URL: setting.url({ optional: true, protocols: ['http', 'https'] }),
    DATABASE_URL: setting.url({ optional: true, protocols: ['postgres', 'postgresql'] }),
    REDIS_URL: setting.url({ optional: true, protocols: ['redis', 'rediss'] }),
    AMQP_URL: setting.url({ optional: true, protocols: ['amqp', 'amqps'] }),
  });
  const handle = await start({
    port: config.COMMERCE_PORT,
    host: config.HOST,
    principalSecret: config.PRINCIPAL_SECRET,
    paymentsWebhookSecret: config.PAYMENTS_WEBHOOK_SECRET,
    reservationTtlSeconds: config.RESERVATION_TTL_SECONDS,
    publicGatewayUrl: config.PUBLIC_GATEWAY_URL,
    databaseUrl: config.DATABASE_URL,
    embeddedDataDir: config.DATABASE_URL ? undefined : '.data/commerce',
    redisUrl: config.REDIS_URL,
    amqpUrl: config.AMQP_URL,
    logger,
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void handle.stop().then(() => process.exit(0)));
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) logger.fatal(e.message);
  else logger.fatal({ err: e }, 'commerce failed to start');
  process.exit(2);
});
