import 'reflect-metadata';
import { readSubgraphConfig, runService, setting } from '@frontrow/kit';
import { start } from './server';

runService('events', async (logger) => {
  const { options, config } = readSubgraphConfig(
    'events',
    { variable: 'EVENTS_PORT', default: 4002 },
    // auto: seed the demo season in the embedded mode (no DATABASE_URL) only.
    { SEED_DEMO: setting.oneOf(['auto', 'true', 'false'] as const, { default: 'auto' }) },
  );
  const seedDemo = config.SEED_DEMO === 'true' || (config.SEED_DEMO === 'auto' && !options.databaseUrl);
  return start({ ...options, seedDemo, logger });
});
