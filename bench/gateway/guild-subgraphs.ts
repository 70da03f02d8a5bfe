/**
 * The four subgraphs of the Guild-shaped workload (guild-schema.ts) in one process, each
 * a schema from `@apollo/subgraph` behind a plain Node HTTP server at `/<name>` on PORT.
 * A plain server, not Apollo Server, so that the subgraphs cost as little as they can:
 * each distinct document is parsed and validated once. Stops on SIGTERM, SIGINT or when
 * its parent closes its stdin.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { execute, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { GUILD_SUBGRAPHS, guildSchema, type GuildSubgraph } from './guild-schema';
import { onParentGone } from './children';

const MAX_BODY = 1 << 20;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function main(): void {
  const port = Number(process.env.PORT ?? 0);
  const schemas = new Map<string, GraphQLSchema>(GUILD_SUBGRAPHS.map((name: GuildSubgraph) => [`/${name}`, guildSchema(name)]));
  // Per subgraph: document text → parsed and validated document.
  const documents = new Map<string, Map<string, DocumentNode>>();
  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const server = createServer((req, res) => {
    const schema = schemas.get(req.url ?? '');
    if (!schema || req.method !== 'POST') return send(res, 404, { errors: [{ message: 'POST /accounts, /inventory, /products or /reviews' }] });
    readBody(req)
      .then(async (text) => {
        const { query, variables, operationName } = JSON.parse(text) as { query: string; variables?: Record<string, unknown>; operationName?: string };
        let cache = documents.get(req.url!);
        if (!cache) documents.set(req.url!, (cache = new Map()));
        let document = cache.get(query);
        if (!document) {
          document = parse(query);
          const errors = validate(schema, document);
          if (errors.length) return send(res, 400, { errors: errors.map((e) => ({ message: e.message })) });
          if (cache.size < 1000) cache.set(query, document);
        }
        send(res, 200, await execute({ schema, document, variableValues: variables, operationName }));
      })
      .catch((e: unknown) => send(res, 400, { errors: [{ message: e instanceof Error ? e.message : String(e) }] }));
  });
  server.keepAliveTimeout = 60_000;
  server.listen(port, '127.0.0.1');
  onParentGone(() => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}

main();
