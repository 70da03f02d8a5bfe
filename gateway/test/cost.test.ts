import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { Kind, getOperationAST, parse, type OperationDefinitionNode } from 'graphql';
import { DEFAULT_COST_SETTINGS, operationCost } from '../src/cost';
import { SUPERGRAPH, startStack, type Stack } from './stack';

/** The cost model (src/cost.ts): fields, with what a list holds counted per item. */
const schema = Supergraph.build(SUPERGRAPH).schema.toAPISchema().toGraphQLJSSchema();

function cost(query: string, variables: Record<string, unknown> = {}): number {
  const document = parse(query);
  return operationCost(schema, document, getOperationAST(document)!, variables);
}

describe('the cost of an operation', () => {
  it('counts fields, and a list’s selection once per item it may hold', () => {
    expect(cost(`{ venues { id name } }`)).toBe(1 + 10 * 2);
    // A page of 5: the connection's edges are the page, counted once.
    expect(cost(`{ events(first: 5) { edges { node { id title } } } }`)).toBe(1 + 5 * (1 + (1 + 2)));
    // Left to the server, a page counts the default list size.
    expect(cost(`{ events { edges { node { id } } } }`)).toBe(1 + 10 * (1 + (1 + 1)));
    // A list inside a list multiplies.
    expect(cost(`{ events(first: 5) { edges { node { feeds { id } } } } }`)).toBe(1 + 5 * (1 + (1 + (1 + 10 * 1))));
  });

  it('reads the size from variables, the operation’s defaults, and caps it', () => {
    const q = `query($n: Int = 7) { events(first: $n) { edges { node { id } } } }`;
    expect(cost(q)).toBe(1 + 7 * 3);
    expect(cost(q, { n: 2 })).toBe(1 + 2 * 3);
    expect(cost(q, { n: 1e9 })).toBe(1 + 1000 * 3);
  });

  it('counts a fragment wherever it is spread, and a fragment cycle as nothing', () => {
    expect(cost(`{ venues { ...V } } fragment V on Venue { id name }`)).toBe(cost(`{ venues { id name } }`));
    expect(cost(`{ venues { ...A } } fragment A on Venue { id ...B } fragment B on Venue { ...A }`)).toBe(1 + 10 * 1);
  });

  it('keeps every operation of the first-party clients well under the limit, at the largest page (100)', () => {
    const dir = join(__dirname, '..', '..', 'clients', 'sdk', 'src', 'operations');
    const costs: Array<[string, number]> = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.graphql'))) {
      const document = parse(readFileSync(join(dir, file), 'utf8'));
      for (const def of document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)) {
        costs.push([def.name?.value ?? '(anonymous)', operationCost(schema, document, def, { first: 100, last: 100, limit: 100 })]);
      }
    }
    expect(costs.length).toBeGreaterThan(50);
    const over = costs.filter(([, c]) => c > DEFAULT_COST_SETTINGS.maxCost / 2);
    expect(over).toEqual([]);
  });
});

describe('the cost limit at the gateway', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ gateway: { cost: { maxCost: 500 } } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('refuses an operation that costs more than the limit, before planning, with its cost', async () => {
    const r = await stack.gql(`query Wide($n: Int) { a: events(first: $n) { edges { node { feeds { id label } } } } }`, { n: 100 });
    expect(r.status).toBe(400);
    expect(r.data ?? null).toBeNull();
    expect(r.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', cost: 1 + 100 * (1 + (1 + (1 + 10 * 2))), maxCost: 500 } });
    expect(r.errors?.[0].message).toMatch(/costs 2301; the limit is 500/);
  });

  it('answers an operation within the limit', async () => {
    const r = await stack.gql(`{ me { id } }`);
    expect(r.errors ?? []).toEqual([]);
    expect(r.data).toEqual({ me: null });
  });
});
