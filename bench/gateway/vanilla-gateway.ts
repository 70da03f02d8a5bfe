/**
 * Apollo's gateway with Apollo Server's standalone HTTP server and their default settings,
 * serving the supergraph at SUPERGRAPH_PATH on PORT: the baseline of bench/gateway.ts.
 *
 * FORWARD_HEADER names one request header passed on to every subgraph fetch, unchanged,
 * from a `RemoteGraphQLDataSource.willSendRequest` (FrontRow's subgraphs answer only
 * requests that carry a signed caller header; the load generator sends a pre-signed
 * anonymous one). Without it the data sources are Apollo's own.
 */
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { onParentGone } from './children';

interface Context {
  headers: IncomingHttpHeaders;
}

class ForwardingDataSource extends RemoteGraphQLDataSource<Context> {
  constructor(url: string, private readonly header: string) {
    super({ url });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<Context>): void {
    const value = 'headers' in context ? context.headers[this.header] : undefined;
    if (typeof value === 'string') request.http?.headers.set(this.header, value);
  }
}

async function main(): Promise<void> {
  const header = process.env.FORWARD_HEADER;
  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(process.env.SUPERGRAPH_PATH!, 'utf8'),
    ...(header ? { buildService: ({ url }: { url?: string }) => new ForwardingDataSource(url ?? '', header) } : {}),
  });
  const server = new ApolloServer<Context>({ gateway });
  await startStandaloneServer(server, {
    listen: { port: Number(process.env.PORT), host: '127.0.0.1' },
    context: async ({ req }) => ({ headers: req.headers }),
  });
  onParentGone(() => server.stop());
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
