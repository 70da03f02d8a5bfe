import 'reflect-metadata';
import { readSubgraphConfig, runService, setting } from '@frontrow/kit';
import { start } from './server';
import { readStorageSettings } from './storage-settings';

runService('creative', async (logger) => {
  const { options, config } = readSubgraphConfig(
    'creative',
    { variable: 'CREATIVE_PORT', default: 4005 },
    { REDIS_URL: setting.url({ optional: true, protocols: ['redis', 'rediss'] }) },
  );
  const storage = readStorageSettings();
  // Without S3_ENDPOINT, storage is served from .data/objects, beside the embedded database's files.
  return start({ ...options, storage, embeddedStorageDir: storage ? undefined : '.data/objects', redisUrl: config.REDIS_URL, logger });
});
