import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';

/**
 * docker/ by reading it (no Docker needed): the compose stack keeps up with the
 * supergraph and with its own settings file. Every subgraph of supergraph.yaml is a
 * hardened service on its routing port with its own database role, the gateway routes
 * to each and waits for it, every secret compose demands is listed in .env.example
 * and every default it applies is the one .env.example documents.
 */

interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string; target?: string; args?: Record<string, string> };
  environment?: Record<string, string>;
  expose?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: Record<string, unknown>;
  read_only?: boolean;
  tmpfs?: string[];
  cap_drop?: string[];
  security_opt?: string[];
  init?: boolean;
  profiles?: string[];
  volumes?: string[];
}

// The repository's root (not imported from src/launch, which loads every service).
const ROOT = join(__dirname, '..', '..');
const DOCKER = join(ROOT, 'docker');
const composeText = readFileSync(join(DOCKER, 'compose.yaml'), 'utf8');
const compose = YAML.parse(composeText) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const services = compose.services;
const envExample = readFileSync(join(DOCKER, '.env.example'), 'utf8');
const rolesSql = readFileSync(join(DOCKER, 'postgres-init', '10-subgraph-roles.sql'), 'utf8');
const healthcheck = readFileSync(join(DOCKER, 'healthcheck.cjs'), 'utf8');

const supergraph = YAML.parse(readFileSync(join(ROOT, 'supergraph.yaml'), 'utf8')) as { subgraphs: Record<string, { routing_url: string }> };
const subgraphs = Object.entries(supergraph.subgraphs).map(([name, s]) => ({
  name,
  upper: name.toUpperCase().replace(/[^A-Z0-9]/g, '_'),
  port: new URL(s.routing_url).port,
}));

/** The services built from docker/Dockerfile: the gateway and the subgraphs (its runtime stage), janus and web. */
const ownServices = Object.entries(services).filter(([, s]) => s.build?.dockerfile === 'docker/Dockerfile');
/** Those of the runtime stage: the gateway and the subgraphs. */
const nodeServices = ownServices.filter(([, s]) => !s.build?.target);

/** Every string compose interpolates: the values of the file, keys included (not its comments). */
function strings(node: unknown): string[] {
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.flatMap(strings);
  if (node && typeof node === 'object') return Object.entries(node).flatMap(([k, v]) => [k, ...strings(v)]);
  return [];
}

/** `${NAME:?message}`, `${NAME:-default}`, `${NAME}` and the like, wherever compose will expand them. */
function interpolations(doc: unknown): Array<{ name: string; op: string | undefined; value: string }> {
  return strings(doc).flatMap((text) =>
    [...text.matchAll(/\$\{([A-Za-z0-9_]+)(?:(:\?|:-|\?|-)([^}]*))?\}/g)].map((m) => ({ name: m[1], op: m[2], value: m[3] ?? '' })),
  );
}

/** NAME=value lines of .env.example, set (uncommented) or documented (`# NAME=value`). */
function envLines(text: string): { set: Map<string, string>; documented: Map<string, string> } {
  const set = new Map<string, string>();
  const documented = new Map<string, string>();
  for (const line of text.split('\n')) {
    const live = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (live) set.set(live[1], live[2]);
    const commented = /^#\s?([A-Z0-9_]+)=(\S*)$/.exec(line);
    if (commented) documented.set(commented[1], commented[2]);
  }
  return { set, documented };
}

it('has a subgraph in supergraph.yaml to check, and parses', () => {
  expect(subgraphs.length).toBeGreaterThanOrEqual(7);
  expect(nodeServices.map(([name]) => name)).toContain('gateway');
});

describe.each(subgraphs)('subgraph $name', ({ name, upper, port }) => {
  it('is a service of the image, on its routing port, as its own database role', () => {
    const service = services[name];
    expect(service).toBeDefined();
    expect(service.build).toMatchObject({ context: '..', dockerfile: 'docker/Dockerfile', args: { SERVICE: name } });
    expect(service.environment?.[`${upper}_PORT`]).toBe(port);
    expect(service.environment?.HOST).toBe('0.0.0.0');
    expect(service.expose).toContain(port);
    expect(service.environment?.DATABASE_URL).toBe(`postgres://${name}:\${${upper}_DB_PASSWORD:?set ${upper}_DB_PASSWORD in docker/.env}@postgres:5432/frontrow`);
    expect(service.depends_on?.postgres).toEqual({ condition: 'service_healthy' });
  });

  it('has a role and a schema in the init SQL, from a password postgres is given', () => {
    expect(services.postgres.environment?.[`${upper}_DB_PASSWORD`]).toBe(`\${${upper}_DB_PASSWORD:?set ${upper}_DB_PASSWORD in docker/.env}`);
    expect(rolesSql).toContain(`\\getenv ${name}_password ${upper}_DB_PASSWORD\n`);
    expect(rolesSql).toContain(`CREATE ROLE ${name} LOGIN PASSWORD :'${name}_password';`);
    expect(rolesSql).toContain(`GRANT CONNECT ON DATABASE frontrow TO ${name};`);
    expect(rolesSql).toContain(`CREATE SCHEMA ${name} AUTHORIZATION ${name};`);
    expect(rolesSql).toContain(`ALTER ROLE ${name} SET search_path = ${name};`);
    expect(rolesSql).toContain(`GRANT CREATE ON DATABASE frontrow TO ${name};`);
  });

  it('is routed to by the gateway, which waits until it is healthy', () => {
    const gateway = services.gateway;
    expect(gateway.environment?.[`SUBGRAPH_URL_${upper}`]).toBe(`http://${name}:${port}/graphql`);
    expect(gateway.depends_on?.[name]).toEqual({ condition: 'service_healthy' });
  });

  it('has its default port in the image health check', () => {
    expect(healthcheck).toMatch(new RegExp(`\\b${name}: ${port},`));
  });
});

it('routes the gateway to no subgraph the supergraph lacks (the gateway would refuse to start)', () => {
  const routed = Object.keys(services.gateway.environment ?? {}).filter((k) => k.startsWith('SUBGRAPH_URL_'));
  expect(routed.sort()).toEqual(subgraphs.map((s) => `SUBGRAPH_URL_${s.upper}`).sort());
});

it.each(ownServices.map(([name, s]) => ({ name, s })))(
  'runs $name hardened: read-only root, a tmpfs /tmp, no capabilities, no new privileges, an init, a health check',
  ({ s }) => {
    expect(s.read_only).toBe(true);
    expect(s.tmpfs).toContain('/tmp');
    expect(s.cap_drop).toEqual(['ALL']);
    expect(s.security_opt).toContain('no-new-privileges:true');
    expect(s.init).toBe(true);
    expect(s.healthcheck).toBeDefined();
  },
);

describe.each(nodeServices.map(([name, s]) => ({ name, s })))('service $name', ({ s }) => {
  it('shares PRINCIPAL_SECRET and sends traces where docker/.env says', () => {
    expect(s.environment?.PRINCIPAL_SECRET).toBe('${PRINCIPAL_SECRET:?set PRINCIPAL_SECRET in docker/.env}');
    expect(s.environment?.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('${OTEL_EXPORTER_OTLP_ENDPOINT:-}');
  });
});

it('lists every secret compose demands in .env.example, empty, and documents every default it applies', () => {
  const { set, documented } = envLines(envExample);
  const found = interpolations(compose);
  expect(found.length).toBeGreaterThan(0);
  const problems: string[] = [];
  for (const { name, op, value } of found) {
    if (op === ':?') {
      if (set.get(name) !== '') problems.push(`${name}: required by compose, but not listed empty (${name}=) in .env.example`);
      if (value !== `set ${name} in docker/.env`) problems.push(`${name}: its message should be "set ${name} in docker/.env"`);
    } else if (op === ':-') {
      const listed = set.has(name) ? set.get(name) : documented.get(name);
      if (listed === undefined) problems.push(`${name}: has a default in compose (${value}) but is not in .env.example`);
      else if (listed !== value) problems.push(`${name}: compose's default is "${value}", .env.example says "${listed}"`);
    } else {
      problems.push(`${name}: interpolated without :? or :- (an unset value would pass silently)`);
    }
  }
  expect([...new Set(problems)]).toEqual([]);
});

it('gives no secret a default: what .env.example leaves empty, compose requires', () => {
  const { set } = envLines(envExample);
  const required = new Set(interpolations(compose).filter((i) => i.op === ':?').map((i) => i.name));
  // Set lines in .env.example are the secrets, and the optional seed admin (both empty: none).
  const optional = ['SEED_ADMIN_EMAIL', 'SEED_ADMIN_PASSWORD'];
  const unrequired = [...set.keys()].filter((name) => !required.has(name) && !optional.includes(name));
  expect(unrequired).toEqual([]);
  for (const name of optional) expect(composeText).toContain(`\${${name}:-}`);
});

it('depends only on services that exist and always run, and declares the volumes it mounts', () => {
  const problems: string[] = [];
  for (const [name, s] of Object.entries(services)) {
    for (const dep of Object.keys(s.depends_on ?? {})) {
      if (!services[dep]) problems.push(`${name} depends on ${dep}, which is no service`);
      else if (services[dep].profiles && !s.profiles) problems.push(`${name} depends on ${dep}, which runs only with --profile`);
    }
  }
  expect(problems).toEqual([]);
  const named = Object.values(services)
    .flatMap((s) => (s.volumes ?? []).map((v) => v.split(':')[0]))
    .filter((source) => !source.startsWith('.') && !source.startsWith('/'));
  expect(named.sort()).toEqual(Object.keys(compose.volumes ?? {}).sort());
});

it('gives creative its object storage: MinIO prepared by minio-init, URLs signed for the public address', () => {
  const creative = services.creative.environment ?? {};
  expect(creative.S3_ENDPOINT).toBe('http://minio:9000');
  expect(creative.S3_PUBLIC_ENDPOINT).toBe('${S3_PUBLIC_ENDPOINT:-http://localhost:9000}');
  expect(creative.S3_BUCKET).toBe(services['minio-init'].environment?.S3_BUCKET);
  expect(creative.S3_SECRET_ACCESS_KEY).toBe(services['minio-init'].environment?.CREATIVE_S3_SECRET_KEY);
  expect(services.creative.depends_on?.['minio-init']).toEqual({ condition: 'service_completed_successfully' });
  expect(services['minio-init'].depends_on?.minio).toEqual({ condition: 'service_healthy' });
  // Pinned images: a release tag, never latest.
  for (const name of ['minio', 'minio-init', 'jaeger']) expect(services[name].image).toMatch(/:(RELEASE\.[0-9TZ-]+|\d+\.\d+\.\d+)$/);
  const init = readFileSync(join(DOCKER, 'minio-init.sh'), 'utf8');
  // The user creative signs as is the one minio-init creates.
  expect(init).toContain(`mc admin user add frontrow ${creative.S3_ACCESS_KEY_ID} "$CREATIVE_S3_SECRET_KEY"`);
});

it("serves the web portal, its pages pointing at the gateway commerce's links name, on the port pairing links name", () => {
  const web = services.web;
  expect(web.build?.target).toBe('web');
  expect(web.environment?.WEB_PORT).toBe('3000');
  expect(web.environment?.WEB_GATEWAY_URL).toBe(`${services.commerce.environment?.PUBLIC_GATEWAY_URL}/graphql`);
  expect(web.ports).toContain('${WEB_PORT:-3000}:3000');
  expect(services.identity.environment?.PUBLIC_WEB_URL).toBe('${PUBLIC_WEB_URL:-http://localhost:3000}');
  expect(services.gateway.ports).toContain('${GATEWAY_PORT:-4000}:4000');
  expect(healthcheck).toMatch(/\bweb: 3000,/);
});

it('runs the trace collector only with --profile traces, and tells how to use it', () => {
  expect(services.jaeger.profiles).toEqual(['traces']);
  expect(services.jaeger.expose).toContain('4318');
  expect(envExample).toMatch(/http:\/\/jaeger:4318/);
});
