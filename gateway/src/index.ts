import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, createLogger, logProcessFailures, loadConfig, setting } from '@frontrow/kit';
import { startGateway } from './server';
import { readGatewaySettings } from './settings';
import { routingUrls } from './supergraph';

const logger = createLogger('gateway');
logProcessFailures(logger);

/** `npm run start:gateway`: serves any Federation 2 supergraph file, FrontRow's by default. */
async function main(): Promise<void> {
  const config = loadConfig({
    PORT: setting.int({ default: 4000, min: 0, max: 65535 }),
    HOST: setting.string({ default: '127.0.0.1' }),
    SUPERGRAPH_PATH: setting.string({ default: resolve(__dirname, '..', '..', 'supergraph.graphql') }),
    PRINCIPAL_SECRET: setting.string({ minLength: 32 }),
    IDENTITY_URL: setting.url({ optional: true, protocols: ['http', 'https'] }),
    REDIS_URL: setting.url({ optional: true, protocols: ['redis', 'rediss'] }),
  });
  const limits = readGatewaySettings();
  let supergraphSdl: string;
  try {
    supergraphSdl = readFileSync(config.SUPERGRAPH_PATH, 'utf8');
  } catch {
    throw new ConfigError('SUPERGRAPH_PATH', `names a file that cannot be read: ${config.SUPERGRAPH_PATH}`);
  }
  const subgraphUrls = subgraphUrlOverrides(supergraphSdl, process.env);
  if (Object.keys(subgraphUrls).length > 0) logger.info({ subgraphUrls }, 'routing URLs overridden from SUBGRAPH_URL_<NAME>');
  const handle = await startGateway({
    port: config.PORT,
    host: config.HOST,
    supergraphSdl,
    subgraphUrls,
    principalSecret: config.PRINCIPAL_SECRET,
    identityUrl: config.IDENTITY_URL,
    redisUrl: config.REDIS_URL,
    ...limits,
    logger,
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void handle.stop().then(() => process.exit(0)));
}

/**
 * `SUBGRAPH_URL_<NAME>` (the subgraph's name upper-cased, other characters as `_`)
 * replaces that subgraph's routing URL, e.g. `SUBGRAPH_URL_IDENTITY=http://identity:4001/graphql`
 * in containers. A variable that names no subgraph of the supergraph is a typo, so it stops the gateway.
 */
function subgraphUrlOverrides(supergraphSdl: string, env: Record<string, string | undefined>): Record<string, string> {
  const prefix = 'SUBGRAPH_URL_';
  const names = new Map(Object.keys(routingUrls(supergraphSdl)).map((name) => [prefix + name.toUpperCase().replace(/[^A-Z0-9]/g, '_'), name]));
  const urls: Record<string, string> = {};
  for (const variable of Object.keys(env).filter((k) => k.startsWith(prefix))) {
    const name = names.get(variable);
    if (!name) throw new ConfigError(variable, `names no subgraph of the supergraph (it has: ${[...names.values()].join(', ') || 'none'}).`);
    const url = setting.url({ optional: true, protocols: ['http', 'https'] }).read(variable, env);
    if (url) urls[name] = url;
  }
  return urls;
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) logger.fatal(e.message);
  else logger.fatal({ err: e }, 'gateway failed to start');
  process.exit(2);
});
