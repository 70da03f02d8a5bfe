import 'reflect-metadata';
import { readSubgraphConfig, runService, setting } from '@frontrow/kit';
import { start } from './server';

runService('telemetry', async (logger) => {
  const { options, config } = readSubgraphConfig(
    'telemetry',
    { variable: 'TELEMETRY_PORT', default: 4007 },
    {
      TELEMETRY_RETENTION_DAYS: setting.int({ default: 7, min: 2, max: 3650 }),
      TELEMETRY_MAX_PENDING_ROWS: setting.int({ default: 100_000, min: 1000, max: 10_000_000 }),
      REDIS_URL: setting.url({ optional: true, protocols: ['redis', 'rediss'] }),
    },
  );
  return start({
    ...options,
    settings: { retentionDays: config.TELEMETRY_RETENTION_DAYS, maxPendingRows: config.TELEMETRY_MAX_PENDING_ROWS },
    redisUrl: config.REDIS_URL,
    logger,
  });
});
