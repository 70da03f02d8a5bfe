import 'reflect-metadata';
import { readSubgraphConfig, runService, setting } from '@frontrow/kit';
import { start } from './server';

runService('presence', async (logger) => {
  const { options, config } = readSubgraphConfig(
    'presence',
    { variable: 'PRESENCE_PORT', default: 4006 },
    {
      REDIS_URL: setting.url({ optional: true, protocols: ['redis', 'rediss'] }),
      PARTY_MAX_MEMBERS: setting.int({ default: 8, min: 2, max: 20_000 }),
      PRESENCE_GRACE_SECONDS: setting.int({ default: 30, min: 0, max: 3600 }),
      PRESENCE_ONLINE_EVENTS_UP_TO: setting.int({ default: 50, min: 0, max: 20_000 }),
    },
  );
  return start({
    ...options,
    redisUrl: config.REDIS_URL,
    settings: {
      maxPartySize: config.PARTY_MAX_MEMBERS,
      graceMs: config.PRESENCE_GRACE_SECONDS * 1000,
      onlineEventsUpToMembers: config.PRESENCE_ONLINE_EVENTS_UP_TO,
    },
    logger,
  });
});
