import 'reflect-metadata';
import { ConfigError, createLogger, logProcessFailures, loadConfig, setting } from '@frontrow/kit';
import { start } from './server';

const logger = createLogger('media');
logProcessFailures(logger);

async function main(): Promise<void> {
  const config = loadConfig({
    MEDIA_PORT: setting.int({ default: 4003, min: 0, max: 65535 }),
    HOST: setting.string({ default: '127.0.0.1' }),
    PRINCIPAL_SECRET: setting.string({ minLength: 32 }),
    DATABASE_URL: setting.url({ optional: true, protocols: ['postgres', 'postgresql'] }),
    AMQP_URL: setting.url({ optional: true, protocols: ['amqp', 'amqps'] }),
    JANUS_URL: setting.url({ optional: true, protocols: ['http', 'https'] }),
    JANUS_ADMIN_URL: setting.url({ optional: true, protocols: ['http', 'https'] }),
    JANUS_ADMIN_SECRET: setting.optionalString(),
    JANUS_STREAMING_ADMIN_KEY: setting.optionalString(),
    JANUS_PUBLIC_URL: setting.url({ optional: true, protocols: ['http', 'https', 'ws', 'wss'] }),
    MEDIA_RTP_HOST: setting.optionalString(),
    MEDIA_RECONCILE_INTERVAL_SECONDS: setting.int({ default: 30, min: 1, max: 86_400 }),
  });
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
  const handle = await start({
    port: config.MEDIA_PORT,
    host: config.HOST,
    principalSecret: config.PRINCIPAL_SECRET,
    databaseUrl: config.DATABASE_URL,
    embeddedDataDir: config.DATABASE_URL ? undefined : '.data/media',
    amqpUrl: config.AMQP_URL,
    janus,
    settings: {
      ...(config.JANUS_PUBLIC_URL ? { publicJanusUrl: config.JANUS_PUBLIC_URL } : {}),
      ...(config.MEDIA_RTP_HOST ? { rtpHost: config.MEDIA_RTP_HOST } : {}),
    },
    reconcile: { intervalMs: config.MEDIA_RECONCILE_INTERVAL_SECONDS * 1000 },
    logger,
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void handle.stop().then(() => process.exit(0)));
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) logger.fatal(e.message);
  else logger.fatal({ err: e }, 'media failed to start');
  process.exit(2);
});
