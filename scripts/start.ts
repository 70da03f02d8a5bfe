/**
 * `npm start`: the whole platform in one process. Without service URLs it runs on
 * embedded defaults (PGlite for Postgres, in-process stand-ins for Redis and the
 * bus) and seeds demo data; with DATABASE_URL, REDIS_URL and AMQP_URL it uses the
 * real servers. Prints the URLs when everything is up.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSupergraphConfig } from '@frontrow/gateway/src/compose';
import { startGateway } from '@frontrow/gateway/src/server';
import { start as startIdentity } from '@frontrow/identity/src/server';
import {
  ConfigError,
  createKeyValueStore,
  createLogger,
  createTransport,
  loadConfig,
  setting,
  type ServiceHandle,
} from '@frontrow/kit';

const ROOT = join(__dirname, '..');
const logger = createLogger('frontrow');

async function main(): Promise<void> {
  const config = loadConfig({
    PORT: setting.int({ default: 4000, min: 0, max: 65535 }),
    HOST: setting.string({ default: '127.0.0.1' }),
    PRINCIPAL_SECRET: setting.optionalString(),
    DATABASE_URL: setting.url({ optional: true, protocols: ['postgres', 'postgresql'] }),
    REDIS_URL: setting.url({ optional: true, protocols: ['redis', 'rediss'] }),
    AMQP_URL: setting.url({ optional: true, protocols: ['amqp', 'amqps'] }),
    SEED_ADMIN_EMAIL: setting.optionalString(),
    SEED_ADMIN_PASSWORD: setting.optionalString(),
    PUBLIC_WEB_URL: setting.optionalString(),
  });
  const embedded = !config.DATABASE_URL;
  let principalSecret = config.PRINCIPAL_SECRET;
  if (!principalSecret) {
    if (!embedded) throw new ConfigError('PRINCIPAL_SECRET', 'is required when DATABASE_URL is set (at least 32 characters).');
    // All services run in this one process, so a fresh secret per start is enough.
    principalSecret = randomBytes(32).toString('base64url');
    logger.info('PRINCIPAL_SECRET is not set: generated one for this embedded run');
  } else if (principalSecret.length < 32) {
    throw new ConfigError('PRINCIPAL_SECRET', 'must be at least 32 characters long.');
  }

  const kv = createKeyValueStore(config.REDIS_URL, logger);
  const transport = createTransport(config.AMQP_URL, logger, 'frontrow');
  const ports = Object.fromEntries(
    readSupergraphConfig(join(ROOT, 'supergraph.yaml')).map((s) => [s.name, Number(new URL(s.routingUrl).port)]),
  );
  const webUrl = config.PUBLIC_WEB_URL ?? `http://localhost:${config.PORT}`;
  const seedAdmin =
    config.SEED_ADMIN_EMAIL && config.SEED_ADMIN_PASSWORD
      ? { email: config.SEED_ADMIN_EMAIL, password: config.SEED_ADMIN_PASSWORD }
      : embedded
        ? DEMO_ADMIN
        : undefined;

  const handles: ServiceHandle[] = [];
  const shared = { host: config.HOST, principalSecret, kv, transport, databaseUrl: config.DATABASE_URL };
  handles.push(
    await startIdentity({
      ...shared,
      port: ports.identity,
      embeddedDataDir: embedded ? join(ROOT, '.data', 'identity') : undefined,
      seedAdmin,
      settings: { verificationUri: `${webUrl.replace(/\/$/, '')}/pair` },
    }),
  );
  const gateway = await startGateway({
    port: config.PORT,
    host: config.HOST,
    supergraphSdl: readFileSync(join(ROOT, 'supergraph.graphql'), 'utf8'),
    principalSecret,
    kv,
  });
  handles.push(gateway);

  const base = gateway.url.replace(/\/graphql$/, '');
  const lines = [
    '',
    'FrontRow is up.',
    `  GraphQL     ${gateway.url}`,
    `  Explorer    ${base}/explorer`,
    `  Health      ${base}/health   Metrics ${base}/metrics`,
    ...handles.slice(0, -1).map((h) => `  subgraph    ${h.url}`),
    embedded ? `  Demo admin  ${DEMO_ADMIN.email} / ${DEMO_ADMIN.password} (embedded mode only)` : '',
    embedded ? '  Data        .data/ (delete it to start afresh)' : '',
    '',
  ];
  process.stdout.write(`${lines.filter((l, i) => l || i === 0 || i === lines.length - 1).join('\n')}\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    for (const h of [...handles].reverse()) await h.stop();
    await transport.close();
    await kv.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

/** Embedded mode only: a known admin so a newcomer can try the admin side at once. */
const DEMO_ADMIN = { email: 'admin@frontrow.local', password: 'frontrow-admin' };

main().catch((e: unknown) => {
  if (e instanceof ConfigError) logger.fatal(e.message);
  else logger.fatal({ err: e }, 'FrontRow failed to start');
  process.exit(2);
});
