import 'reflect-metadata';
import { readSubgraphConfig, runService, setting } from '@frontrow/kit';
import { start } from './server';

runService('commerce', async (logger) => {
  const { options, config } = readSubgraphConfig(
    'commerce',
    { variable: 'COMMERCE_PORT', default: 4004 },
    {
      PAYMENTS_WEBHOOK_SECRET: setting.string({ minLength: 24 }),
      RESERVATION_TTL_SECONDS: setting.int({ default: 900, min: 1, max: 86_400 }),
      PUBLIC_GATEWAY_URL: setting.url({ optional: true, protocols: ['http', 'https'] }),
      REDIS_URL: setting.url({ optional: true, protocols: ['redis', 'rediss'] }),
    },
  );
  return start({
    ...options,
    paymentsWebhookSecret: config.PAYMENTS_WEBHOOK_SECRET,
    reservationTtlSeconds: config.RESERVATION_TTL_SECONDS,
    publicGatewayUrl: config.PUBLIC_GATEWAY_URL,
    redisUrl: config.REDIS_URL,
    logger,
  });
});
