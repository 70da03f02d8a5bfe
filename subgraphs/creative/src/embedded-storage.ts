import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type { Logger } from '@frontrow/kit';
import type { StorageSettings } from './object-store';

/** The parts of @20minutes/s3rver (plain JavaScript, no types) used here. */
interface S3rverApp {
  configureBuckets(): Promise<void>;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  logger: { close(): void; exceptions: { unhandle(): void } };
}
type S3rverClass = new (options: {
  directory: string;
  silent: boolean;
  vhostBuckets: boolean;
  configureBuckets: Array<{ name: string; configs?: string[] }>;
}) => S3rverApp;
interface S3rverAccount {
  createKeyPair(accessKeyId: string, secretAccessKey: string): void;
  revokeAccessKey(accessKeyId: string): void;
}
const load = createRequire(__filename);
const S3rver = load('@20minutes/s3rver') as S3rverClass;
/** s3rver's one account: key pairs registered on it are the ones it accepts. */
const { DUMMY_ACCOUNT } = load('@20minutes/s3rver/lib/models/account') as { DUMMY_ACCOUNT: S3rverAccount };

/**
 * An S3-compatible server on this machine for the embedded mode and the tests:
 * @20minutes/s3rver serving a folder, on 127.0.0.1 and a free port, with a key pair
 * made for this run. s3rver checks SigV4 signatures (header and presigned query),
 * presigned URLs' expiry and the signed headers, but lets a request that carries no
 * signature at all through as anonymous; the guard in front refuses those, as a
 * private bucket on S3 does (docs/decisions/0018-creative.md).
 */
export interface EmbeddedStorage {
  settings: StorageSettings;
  stop(): Promise<void>;
}

export async function startEmbeddedStorage(opts: { directory: string; bucket?: string; port?: number; logger: Logger }): Promise<EmbeddedStorage> {
  mkdirSync(opts.directory, { recursive: true });
  const bucket = opts.bucket ?? 'frontrow-creative';
  const accessKeyId = `FR${randomBytes(9).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(30).toString('base64url');
  DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
  const app = new S3rver({ directory: opts.directory, silent: true, vhostBuckets: false, configureBuckets: [{ name: bucket, configs: [CORS] }] });
  await app.configureBuckets();
  const handle = app.callback();
  const server: Server = createServer((req, res) => {
    // A browser's CORS preflight carries no signature; the bucket's CORS rules answer it.
    if (req.method !== 'OPTIONS' && !isSigned(req)) {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
      return;
    }
    handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  opts.logger.info({ endpoint, directory: opts.directory, bucket }, 'S3_ENDPOINT is not set: serving object storage from a folder (s3rver, SigV4 checked; quick start and tests only)');
  let stopping: Promise<void> | undefined;
  return {
    settings: { endpoint, bucket, accessKeyId, secretAccessKey, region: 'us-east-1', forcePathStyle: true },
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => {
        DUMMY_ACCOUNT.revokeAccessKey(accessKeyId);
        app.logger.exceptions.unhandle();
        app.logger.close();
      });
      return stopping;
    },
  };
}

/** Browsers may upload to and read from the bucket directly (the URLs are what authorise). */
const CORS = `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedHeader>*</AllowedHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>`;

/** A request signed by one of S3's mechanisms (SigV4 header or query, or SigV2). */
function isSigned(req: IncomingMessage): boolean {
  if (req.headers.authorization) return true;
  const query = new URL(req.url ?? '/', 'http://storage').searchParams;
  return query.has('X-Amz-Signature') || query.has('Signature');
}
