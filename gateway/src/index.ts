import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, createLogger, loadConfig, setting } from '@frontrow/kit';
import { startGateway } from './server';

const logger = createLogger('gateway');

/** `npm run start:gateway`: serves any Federation 2 supergraph file, FrontRow's by default. */
async function main(): Promise<void> {
  const config = loadConfig({
    PORT: setting.int({ default: 4000, min: 0, max: 65535 }),
    HOST: setting.string({ default: '127.0.0.1' }),
    SUPERGRAPH_PATH: setting.string({ default: resolve(__dirname, '..', '..', 'supergraph.graphql') }),
    PRINCIPAL_SECRET: setting.string({ minLength: 32 }),
    IDENTITY_URL: setting.url({ optional: true, protocols: ['http', 'https'] }),
    REDIS_URL: setting.url({ optional: true, protocols: ['redis', 'rediss'] }),
    TRUST_PROXY: setting.int({ default: 0, min: 0, max: 10 }),
    RATE_LIMIT_PER_MINUTE: setting.int({ default: 600, min: 1 }),
    ANONYMOUS_RATE_LIMIT_PER_MINUTE: setting.int({ default: 300, min: 1 }),
  });
  let supergraphSdl: string;
  try {
    supergraphSdl = readFileSync(config.SUPERGRAPH_PATH, 'utf8');
  } catch {
    throw new ConfigError('SUPERGRAPH_PATH', `names a file that cannot be read: ${config.SUPERGRAPH_PATH}`);
  }
  const handle = await startGateway({
    port: config.PORT,
    host: config.HOST,
    supergraphSdl,
    principalSecret: config.PRINCIPAL_SECRET,
    identityUrl: config.IDENTITY_URL,
    redisUrl: config.REDIS_URL,
    trustProxy: config.TRUST_PROXY || undefined,
    rateLimits: { perPrincipalPerMinute: config.RATE_LIMIT_PER_MINUTE, anonymousPerMinute: config.ANONYMOUS_RATE_LIMIT_PER_MINUTE },
    logger,
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void handle.stop().then(() => process.exit(0)));
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) logger.fatal(e.message);
  else logger.fatal({ err: e }, 'gateway failed to start');
  process.exit(2);
});
