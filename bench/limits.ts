/**
 * What the gateway's operation limits cost per request, measured in this process: the
 * input guard's check before validation (variables walked; the document's measure
 * remembered by its hash) and the cost model after validation (src/cost.ts, walked for
 * each request, since variables change it). Timed on the web portal's EventPage and on
 * the Guild-shaped TestQuery of bench/gateway.ts; printed in microseconds per request
 * and written to the "## Operation limits: overhead" section of docs/benchmarks.md.
 * With them, the operation safelist (gateway/src/safelist.ts, decision 0028): its check
 * of a listed operation sent by text and by hash, and Apollo Server's request pipeline up
 * to execution for EventPage sent by text and by hash alone.
 *
 *   npm run bench -- limits
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { composeServices } from '@apollo/composition';
import { Supergraph } from '@apollo/federation-internals';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { operationCost } from '@frontrow/gateway/src/cost';
import { PersistedOperations, safelistMiddleware } from '@frontrow/gateway/src/safelist';
import { DEFAULT_OPERATION_LIMITS, inputGuard } from '@frontrow/kit';
import { createCache } from '@frontrow/sdk/src/client';
import { EventPageDocument } from '@frontrow/sdk/src/generated/graphql';
import { getOperationAST, parse, print, type GraphQLSchema } from 'graphql';
import { GUILD_QUERY, GUILD_SDL, GUILD_SUBGRAPHS } from './gateway/guild-schema';
import { machine, writeSection } from './report';

const HEADING = '## Operation limits: overhead';
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);

function microsPer(fn: () => void): number {
  for (let i = 0; i < 1000; i++) fn(); // warm
  const t0 = performance.now();
  for (let i = 0; i < ITERATIONS; i++) fn();
  return ((performance.now() - t0) * 1000) / ITERATIONS;
}

function measure(name: string, schema: GraphQLSchema, query: string, operationName: string, variables: Record<string, unknown>) {
  const document = parse(query);
  const operation = getOperationAST(document, operationName)!;
  const guard = inputGuard({ limits: DEFAULT_OPERATION_LIMITS });
  const req = { method: 'POST', body: { query, variables, operationName } } as unknown as Parameters<typeof guard>[0];
  const res = { status: () => ({ json: () => undefined }) } as unknown as Parameters<typeof guard>[1];
  let passed = 0;
  const guardUs = microsPer(() => guard(req, res, () => void passed++));
  let cost = 0;
  const costUs = microsPer(() => {
    cost = operationCost(schema, document, operation, variables);
  });
  if (!passed) throw new Error(`${name}: the input guard refused the operation`);
  return { name, bytes: query.length, cost, guardUs, costUs };
}

/** The same, for an async call; `fn` gets the call's index (for a fresh copy of the input each time). */
async function microsPerAsync(fn: (i: number) => Promise<void>): Promise<number> {
  for (let i = 0; i < 1000; i++) await fn(ITERATIONS + i); // warm
  const t0 = performance.now();
  for (let i = 0; i < ITERATIONS; i++) await fn(i);
  return ((performance.now() - t0) * 1000) / ITERATIONS;
}

/** Copies of a string that share nothing with it, as each request's parsed body holds its own. */
function freshCopies(text: string, n: number): string[] {
  return Array.from({ length: n }, () => JSON.parse(JSON.stringify(text)) as string);
}

/**
 * The safelist's check per request (a listed text looked up whole; a hash looked up),
 * and what Apollo Server does before execution for a listed operation sent by text
 * (hashed, then its validated document taken from the document store), by hash alone
 * (the text from the list, the document from the store by that hash), and by text to a
 * server with no document store (parsed and validated each time: a text seen first).
 */
async function measureSafelist(schema: GraphQLSchema, variables: Record<string, unknown>) {
  const persisted = PersistedOperations.fromFile();
  const listed = persisted.byTextOf(print(createCache().transformDocument(EventPageDocument)));
  if (!listed) throw new Error('EventPage as the SDK sends it is not in gateway/persisted-operations.json: run npm run codegen');
  const copies = freshCopies(listed.text, ITERATIONS + 1000);
  const persistedQuery = { version: 1, sha256Hash: listed.hash };
  const check = safelistMiddleware(persisted, async () => null);
  const res = { status: () => ({ json: () => undefined }) } as unknown as Parameters<typeof check>[1];
  let passed = 0;
  const next = () => void passed++;
  const req = (body: object) => ({ method: 'POST', body }) as unknown as Parameters<typeof check>[0];
  const checkTextUs = await microsPerAsync(async (i) => void check(req({ query: copies[i], variables, operationName: 'EventPage' }), res, next));
  const checkHashUs = await microsPerAsync(async () => void check(req({ extensions: { persistedQuery }, variables, operationName: 'EventPage' }), res, next));
  if (passed !== 2 * (ITERATIONS + 1000)) throw new Error('the safelist refused a listed operation');

  // Apollo Server's pipeline up to execution, which is answered without running.
  const stopBeforeExecution: ApolloServerPlugin = {
    async requestDidStart() {
      return { async responseForOperation() { return { body: { kind: 'single', singleResult: { data: null } }, http: { status: 200, headers: new HeaderMap() } }; } };
    },
  };
  const pipeline = async (documentStore: boolean, send: (i: number) => { query?: string; extensions?: object }) => {
    const server = new ApolloServer({ schema, persistedQueries: { cache: persisted.apqCache() }, ...(documentStore ? {} : { documentStore: null }), plugins: [stopBeforeExecution] });
    await server.start();
    try {
      return await microsPerAsync(async (i) => {
        const r = await server.executeOperation({ ...send(i), variables, operationName: 'EventPage' });
        if (r.body.kind !== 'single' || r.body.singleResult.errors) throw new Error(`EventPage was refused: ${JSON.stringify(r.body)}`);
      });
    } finally {
      await server.stop();
    }
  };
  const apolloTextUs = await pipeline(true, (i) => ({ query: copies[i] }));
  const apolloHashUs = await pipeline(true, () => ({ extensions: { persistedQuery } }));
  const apolloColdUs = await pipeline(false, (i) => ({ query: copies[i] }));
  return { bytes: listed.text.length, operations: persisted.size, checkTextUs, checkHashUs, apolloTextUs, apolloHashUs, apolloColdUs };
}

async function main(): Promise<void> {
  const supergraph = Supergraph.build(readFileSync(join(__dirname, '..', 'supergraph.graphql'), 'utf8')).schema.toAPISchema().toGraphQLJSSchema();
  const composed = composeServices(GUILD_SUBGRAPHS.map((name) => ({ name, url: `http://127.0.0.1/${name}`, typeDefs: parse(GUILD_SDL[name]) })));
  if (!composed.supergraphSdl) throw new Error('the Guild-shaped subgraphs did not compose');
  const guild = Supergraph.build(composed.supergraphSdl).schema.toAPISchema().toGraphQLJSSchema();
  const rows = [
    measure('EventPage (web portal)', supergraph, print(EventPageDocument), 'EventPage', { id: '5b0a2c7e-7d1c-4f3e-9f59-0c1f3b9d6a11' }),
    measure('TestQuery (Guild-shaped)', guild, GUILD_QUERY, 'TestQuery', {}),
  ];
  const table = rows
    .map((r) => `| ${r.name} | ${r.bytes.toLocaleString('en-US')} | ${r.cost.toLocaleString('en-US')} | ${r.guardUs.toFixed(1)} | ${r.costUs.toFixed(1)} |`)
    .join('\n');
  for (const r of rows) console.log(`  ${r.name}: input guard ${r.guardUs.toFixed(1)} µs, cost model ${r.costUs.toFixed(1)} µs (cost ${r.cost})`);
  const eventPageVariables = { id: '5b0a2c7e-7d1c-4f3e-9f59-0c1f3b9d6a11' };
  const s = await measureSafelist(supergraph, eventPageVariables);
  const us = (n: number) => n.toFixed(1);
  console.log(`  safelist check: listed text ${us(s.checkTextUs)} µs, hash ${us(s.checkHashUs)} µs`);
  console.log(`  Apollo Server before execution: text ${us(s.apolloTextUs)} µs, hash ${us(s.apolloHashUs)} µs, text parsed and validated ${us(s.apolloColdUs)} µs`);
  writeSection(
    HEADING,
    `\`npm run bench -- limits\` (bench/limits.ts), ${new Date().toISOString().slice(0, 10)}, ${ITERATIONS.toLocaleString('en-US')} calls each, in one
process, on ${machine()}. What the gateway spends per request on its operation limits: the
input guard before validation (the variables' strings walked; the document's depth, alias and
field measure remembered by its hash, so a known document is not measured again) and the cost
model after validation (walked for every request, since a variable like \`first\` changes the
cost; decision 0026). For scale: the gateway's CPU per answered request in the throughput
bench is 500 to 1,100 µs with inbound deduplication and 1,000 to 11,000 µs without.

| operation | document (chars) | cost | input guard µs | cost model µs |
| --- | --- | --- | --- | --- |
${table}

The operation safelist (\`OPERATION_SAFELIST\`, decision 0028), on EventPage as the web portal
sends it (${s.bytes.toLocaleString('en-US')} characters with Apollo Client's \`__typename\`s; ${s.operations} operations listed),
each request with its own copy of the text as a parsed body has: the check in front of Apollo
Server (a listed text is looked up whole, a hash looked up; only an unlisted operation waits for
the caller to be identified), and Apollo Server's pipeline up to execution (answered without
running) for the text, for the hash alone (the text taken from the list with no registration,
the validated document from Apollo's document store by that hash), and for the text where no
document store holds it (parsed and validated: what a text seen first costs).

| safelist check, text µs | safelist check, hash µs | Apollo by text µs | Apollo by hash µs | Apollo, text parsed and validated µs |
| --- | --- | --- | --- | --- |
| ${us(s.checkTextUs)} | ${us(s.checkHashUs)} | ${us(s.apolloTextUs)} | ${us(s.apolloHashUs)} | ${us(s.apolloColdUs)} |`,
  );
  console.log(`  wrote "${HEADING}" in docs/benchmarks.md`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
