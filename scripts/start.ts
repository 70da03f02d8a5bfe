/**
 * `npm start`: the whole platform in one process. Without service URLs it runs on
 * embedded defaults (one embedded PostgreSQL server with its files in .data/postgres,
 * in-process stand-ins for Redis and the bus, media unavailable unless a Janus is
 * configured) and seeds demo data; with
 * DATABASE_URL, REDIS_URL, AMQP_URL and JANUS_URL it uses the real servers. Prints the
 * URLs when everything is up.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { join, relative, resolve } from 'node:path';
import { busNamespaceSetting, ConfigError, createKeyValueStore, createLogger, createTransport, loadConfig, logProcessFailures, setting } from '@frontrow/kit';
import { readStorageSettings } from '@frontrow/creative/src/storage-settings';
import { readGatewaySettings } from '@frontrow/gateway/src/settings';
import { readIdentitySettings } from '@frontrow/identity/src/config';
import { defaultPorts, launchPlatform } from '@frontrow/platform/src/launch';

const ROOT = join(__dirname, '..');
const logger = createLogger('frontrow');
logProcessFailures(logger);

/** Embedded mode only: a known admin so a newcomer can try the admin side at once. */
const DEMO_ADMIN = { email: 'admin@frontrow.local', password: 'frontrow-admin' };

/**
 * `npm run seed` (`--seed-only`): the same start against the configured servers on free
 * ports, with the demo data seeded (venues, a season of events with feeds, products, and
 * with SEED_ADMIN_* the demo sponsor's creatives); then everything stops. Seeding again
 * finds the demo data and changes nothing.
 */
const seedOnly = process.argv.includes('--seed-only');

async function main(): Promise<void> {
  // The ports of the routing URLs in supergraph.yaml.
  const routing = defaultPorts();
  const config = loadConfig({
    PORT: setting.int({ default: 4000, min: 0, max: 65535 }),
    WEB_PORT: setting.int({ default: 3000, min: 0, max: 65535 }),
    VR_PORT: setting.int({ default: 3001, min: 0, max: 65535 }),
    ADMIN_PORT: setting.int({ default: 3002, min: 0, max: 65535 }),
    HOST: setting.string({ default: '127.0.0.1' }),
    PRINCIPAL_SECRET: setting.optionalString(),
    PAYMENTS_WEBHOOK_SECRET: setting.optionalString(),
    DATABASE_URL: setting.url({ optional: true, protocols: ['postgres', 'postgresql'] }),
    // Embedded mode: the embedded PostgreSQL's port on 127.0.0.1 (0: a free one), and
    // where its files are (.data/ at the repository's root by default).
    EMBEDDED_POSTGRES_PORT: setting.int({ default: 0, min: 0, max: 65535 }),
    DATA_DIR: setting.string({ default: join(ROOT, '.data') }),
    REDIS_URL: setting.url({ optional: true, protocols: ['redis', 'rediss'] }),
    AMQP_URL: setting.url({ optional: true, protocols: ['amqp', 'amqps'] }),
    BUS_NAMESPACE: busNamespaceSetting,
    JANUS_URL: setting.url({ optional: true, protocols: ['http', 'https'] }),
    JANUS_ADMIN_URL: setting.url({ optional: true, protocols: ['http', 'https'] }),
    JANUS_ADMIN_SECRET: setting.optionalString(),
    JANUS_STREAMING_ADMIN_KEY: setting.optionalString(),
    JANUS_PUBLIC_URL: setting.url({ optional: true, protocols: ['http', 'https'] }),
    PUBLIC_GATEWAY_URL: setting.url({ optional: true, protocols: ['http', 'https'] }),
    MEDIA_RECONCILE_INTERVAL_SECONDS: setting.int({ default: 30, min: 1, max: 86_400 }),
    MEDIA_RTP_HOST: setting.optionalString(),
    SEED_ADMIN_EMAIL: setting.optionalString(),
    SEED_ADMIN_PASSWORD: setting.optionalString(),
    // The subgraphs' ports, named as each reads its own when run alone (0: a free one).
    IDENTITY_PORT: setting.int({ default: routing.identity, min: 0, max: 65535 }),
    EVENTS_PORT: setting.int({ default: routing.events, min: 0, max: 65535 }),
    MEDIA_PORT: setting.int({ default: routing.media, min: 0, max: 65535 }),
    COMMERCE_PORT: setting.int({ default: routing.commerce, min: 0, max: 65535 }),
    CREATIVE_PORT: setting.int({ default: routing.creative, min: 0, max: 65535 }),
    PRESENCE_PORT: setting.int({ default: routing.presence, min: 0, max: 65535 }),
    TELEMETRY_PORT: setting.int({ default: routing.telemetry, min: 0, max: 65535 }),
    TELEMETRY_RETENTION_DAYS: setting.int({ default: 7, min: 2, max: 3650 }),
    TELEMETRY_MAX_PENDING_ROWS: setting.int({ default: 100_000, min: 1000, max: 10_000_000 }),
    // Embedded mode: pretend viewers on the demo's live game (0: none).
    SYNTHETIC_VIEWERS: setting.int({ default: 25, min: 0, max: 5000 }),
  });
  const ports = seedOnly
    ? { identity: 0, events: 0, media: 0, commerce: 0, creative: 0, presence: 0, telemetry: 0 }
    : {
        identity: config.IDENTITY_PORT,
        events: config.EVENTS_PORT,
        media: config.MEDIA_PORT,
        commerce: config.COMMERCE_PORT,
        creative: config.CREATIVE_PORT,
        presence: config.PRESENCE_PORT,
        telemetry: config.TELEMETRY_PORT,
      };
  const embedded = !config.DATABASE_URL;
  const secret = (name: 'PRINCIPAL_SECRET' | 'PAYMENTS_WEBHOOK_SECRET'): string => {
    const value = config[name];
    if (value) {
      if (value.length < 32) throw new ConfigError(name, 'must be at least 32 characters long.');
      return value;
    }
    if (!embedded) throw new ConfigError(name, 'is required when DATABASE_URL is set (at least 32 characters).');
    // Every service runs in this one process, so a fresh secret per start is enough.
    logger.info(`${name} is not set: generated one for this embedded run`);
    return randomBytes(32).toString('base64url');
  };
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
  const seedAdmin =
    config.SEED_ADMIN_EMAIL && config.SEED_ADMIN_PASSWORD
      ? { email: config.SEED_ADMIN_EMAIL, password: config.SEED_ADMIN_PASSWORD }
      : embedded
        ? DEMO_ADMIN
        : undefined;

  // Every limit is a setting, honoured here as by each service started alone.
  const gatewaySettings = readGatewaySettings();
  const identitySettings = readIdentitySettings();
  // Creative's object storage: S3_ENDPOINT and the rest, or served from DATA_DIR/objects.
  const storage = readStorageSettings();
  // Links in pairing codes point at the web portal: on its port here unless set.
  if (!process.env.PUBLIC_WEB_URL) identitySettings.publicWebUrl = `http://localhost:${config.WEB_PORT}`;
  const kv = createKeyValueStore(config.REDIS_URL, logger);
  const transport = createTransport(config.AMQP_URL, logger, 'frontrow', config.BUS_NAMESPACE);
  const platform = await launchPlatform({
    host: config.HOST,
    gatewayPort: seedOnly ? 0 : config.PORT,
    ports,
    webPort: seedOnly ? false : config.WEB_PORT,
    vrPort: seedOnly ? false : config.VR_PORT,
    // The VR client sends fans to the portal: PUBLIC_WEB_URL, or the portal served here.
    publicWebUrl: process.env.PUBLIC_WEB_URL ? identitySettings.publicWebUrl : undefined,
    adminPort: seedOnly ? false : config.ADMIN_PORT,
    principalSecret: secret('PRINCIPAL_SECRET'),
    paymentsWebhookSecret: secret('PAYMENTS_WEBHOOK_SECRET'),
    databaseUrl: config.DATABASE_URL,
    busNamespace: config.BUS_NAMESPACE,
    embeddedDataRoot: embedded ? resolve(config.DATA_DIR) : undefined,
    embeddedPostgresPort: config.EMBEDDED_POSTGRES_PORT,
    kv,
    transport,
    janus,
    janusPublicUrl: config.JANUS_PUBLIC_URL,
    rtpHost: config.MEDIA_RTP_HOST,
    seedAdmin,
    seedDemo: embedded || seedOnly,
    identitySettings,
    storage,
    gateway: gatewaySettings,
    publicGatewayUrl: config.PUBLIC_GATEWAY_URL,
    mediaReconcileIntervalMs: config.MEDIA_RECONCILE_INTERVAL_SECONDS * 1000,
    syntheticViewers: seedOnly ? 0 : config.SYNTHETIC_VIEWERS,
    telemetrySettings: { retentionDays: config.TELEMETRY_RETENTION_DAYS, maxPendingRows: config.TELEMETRY_MAX_PENDING_ROWS },
    logger,
  });

  if (seedOnly) {
    logger.info(seedAdmin ? 'demo data seeded' : 'demo data seeded, without the demo sponsor (set SEED_ADMIN_EMAIL and SEED_ADMIN_PASSWORD: it belongs to that admin)');
    await platform.stop();
    await transport.close();
    await kv.close();
    return;
  }
  const base = platform.gateway.url.replace(/\/graphql$/, '');
  const lines = [
    '',
    'FrontRow is up.',
    `  GraphQL     ${platform.gateway.url}`,
    `  Explorer    ${base}/explorer`,
    `  Web portal  ${platform.web?.url}`,
    `  VR client   ${platform.vr?.url} (pair a headset there; approve its code on the web portal's /pair)`,
    `  Admin       ${platform.admin?.url} (admins and moderators)`,
    `  Health      ${base}/health   Metrics ${base}/metrics`,
    ...Object.entries(platform.services).map(([name, h]) => `  ${name.padEnd(11)} ${h.url}`),
    `  Storage     ${storage ? `${storage.endpoint} (bucket ${storage.bucket})` : `${platform.services.creative.store.settings.endpoint} (embedded, files in the data folder's objects/)`}`,
    janus ? `  Janus       ${janus.url}` : '  Media       unavailable (no JANUS_URL): ingest and playback will say so',
    ...(embedded
      ? [
          `  Demo admin  ${DEMO_ADMIN.email} / ${DEMO_ADMIN.password} (embedded mode only)`,
          `  PostgreSQL  127.0.0.1:${platform.database?.port} (embedded; a role and a schema per subgraph)`,
          `  Data        ${relative(process.cwd(), resolve(config.DATA_DIR)) || '.'}/ (delete it to start afresh)`,
        ]
      : []),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping: services first, then the database');
    await platform.stop();
    await transport.close();
    await kv.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) logger.fatal(e.message);
  else logger.fatal({ err: e }, 'FrontRow failed to start');
  process.exit(2);
});
