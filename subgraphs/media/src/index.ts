import 'reflect-metadata';
import { ConfigError, readSubgraphConfig, runService, setting } from '@frontrow/kit';
import { start } from './server';

runService('media', async (logger) => {
  const { options, config } = readSubgraphConfig(
    'media',
    { variable: 'MEDIA_PORT', default: 4003 },
    {
      JANUS_URL: setting.url({ optional: true, protocols: ['http', 'https'] }),
      JANUS_ADMIN_URL: setting.url({ optional: true, protocols: ['http', 'https'] }),
      JANUS_ADMIN_SECRET: setting.optionalString(),
      JANUS_STREAMING_ADMIN_KEY: setting.optionalString(),
      JANUS_PUBLIC_URL: setting.url({ optional: true, protocols: ['http', 'https', 'ws', 'wss'] }),
      MEDIA_RTP_HOST: setting.optionalString(),
      MEDIA_RECONCILE_INTERVAL_SECONDS: setting.int({ default: 30, min: 1, max: 86_400 }),
    },
  );
  let janus;
  if (config.JANUS_URL) {
    const missing = (['JANUS_ADMIN_URL', 'JANUS_ADMIN_SECRET', 'JANUS_STREAMING_ADMIN_KEY'] as const).find((k) => !config[k]);
    if (missing) throw new ConfigError(missing, 'is required when JANUS_URL is set.');
    janus = {
      url: config.JANUS_URL,
      adminUrl: config.JANUS_ADMIN_URL as string,
      adminSecret: config.JANUS_ADMIN_SECRET as string,
      streamingAdminKey: config.JANUS_STREAMING_ADMIN_KEY as string,
    };
  }
  return start({
    ...options,
    janus,
    settings: {
      ...(config.JANUS_PUBLIC_URL ? { publicJanusUrl: config.JANUS_PUBLIC_URL } : {}),
      ...(config.MEDIA_RTP_HOST ? { rtpHost: config.MEDIA_RTP_HOST } : {}),
    },
    reconcile: { intervalMs: config.MEDIA_RECONCILE_INTERVAL_SECONDS * 1000 },
    logger,
  });
});
