/**
 * The floor for the subscriptions bench: a plain `ws` server, as a process of its own,
 * that sends one prepared text to every open socket when asked (POST /broadcast). No
 * GraphQL, no protocol, no authentication: what any Node WebSocket server pays to
 * reach N sockets on this machine, to set FrontRow's gateway beside.
 *
 *   PORT=… node -r @frontrow/register bench/subscriptions-floor.ts
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const port = Number(process.env.PORT);
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    res.end('ok');
    return;
  }
  if (req.method === 'POST' && req.url === '/broadcast') {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      let sent = 0;
      for (const socket of wss.clients) {
        socket.send(text);
        sent++;
      }
      res.end(String(sent));
    });
    return;
  }
  res.statusCode = 404;
  res.end();
});
const wss = new WebSocketServer({ server, path: '/ws' });
server.listen(port, '127.0.0.1');
process.once('SIGTERM', () => {
  for (const socket of wss.clients) socket.terminate();
  server.close(() => process.exit(0));
});
