import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/** Where objects are kept: any S3-compatible server (S3, R2, MinIO, the embedded s3rver). */
export interface StorageSettings {
  /** S3_ENDPOINT, e.g. https://s3.eu-west-1.amazonaws.com or https://<account>.r2.cloudflarestorage.com. */
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** S3_REGION: the bucket's region on S3; R2 takes `auto`, MinIO `us-east-1`. */
  region: string;
  /** Bucket in the path (MinIO, the embedded server) rather than in the host name. */
  forcePathStyle: boolean;
  /** Where clients reach the storage when not at `endpoint` (S3_PUBLIC_ENDPOINT): presigned URLs name it. */
  publicEndpoint?: string;
}

export interface PresignedUpload {
  url: string;
  method: 'PUT';
  /** Headers the client must send exactly: they are part of the signature. */
  headers: { name: string; value: string }[];
  expiresAt: Date;
}

export interface StoredObjectInfo {
  bytes: number;
  contentType: string | undefined;
}

/** Signed GET URLs held at once. */
const MAX_HELD_DOWNLOADS = 10_000;

/**
 * The S3 API as creative uses it: presigned PUTs bound to a content type and length,
 * presigned GETs, a look at what was stored, a range of its first bytes, deletes, and
 * small JSON documents (the ad manifests).
 */
export class ObjectStore {
  private readonly client: S3Client;
  /** Signs URLs for the public endpoint when it differs (signatures cover the host). */
  private readonly signer: S3Client;
  /** Signed GETs handed out, by TTL and key, oldest first. */
  private readonly downloads = new Map<string, { url: string; expiresAt: Date }>();

  constructor(readonly settings: StorageSettings) {
    this.client = clientFor(settings, settings.endpoint);
    this.signer = settings.publicEndpoint ? clientFor(settings, settings.publicEndpoint) : this.client;
  }

  get bucket(): string {
    return this.settings.bucket;
  }

  /** Creates the bucket when it does not exist (the embedded server, a fresh MinIO). */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      if (statusOf(e) !== 404) throw e;
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    }
  }

  async presignUpload(key: string, contentType: string, bytes: number, expiresInSeconds: number): Promise<PresignedUpload> {
    const command = new PutObjectCommand({ Bucket: this.bucket, Key: key, ContentType: contentType, ContentLength: bytes });
    const url = await getSignedUrl(this.signer, command, {
      expiresIn: expiresInSeconds,
      // Bound into the signature: storage refuses another type or a longer body.
      signableHeaders: new Set(['content-type', 'content-length']),
    });
    return {
      url,
      method: 'PUT',
      headers: [
        { name: 'Content-Type', value: contentType },
        { name: 'Content-Length', value: String(bytes) },
      ],
      expiresAt: new Date(Date.now() + expiresInSeconds * 1000),
    };
  }

  /**
   * A presigned GET. One signed URL per object is handed out while at least half of its
   * life is left: every fan of a game is shown the same few boards, signing costs CPU
   * per call, and one URL per object lets browsers and CDNs cache the image.
   */
  async presignDownload(key: string, expiresInSeconds: number): Promise<{ url: string; expiresAt: Date }> {
    const cacheKey = `${expiresInSeconds}:${key}`;
    const now = Date.now();
    const held = this.downloads.get(cacheKey);
    if (held && held.expiresAt.getTime() - now >= (expiresInSeconds * 1000) / 2) return held;
    const url = await getSignedUrl(this.signer, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: expiresInSeconds });
    const signed = { url, expiresAt: new Date(now + expiresInSeconds * 1000) };
    this.downloads.delete(cacheKey);
    if (this.downloads.size >= MAX_HELD_DOWNLOADS) this.downloads.delete(this.downloads.keys().next().value as string);
    this.downloads.set(cacheKey, signed);
    return signed;
  }

  /** Forgets the signed URLs of an object (it was deleted or replaced). */
  forgetDownloads(key: string): void {
    for (const k of this.downloads.keys()) if (k.endsWith(`:${key}`)) this.downloads.delete(k);
  }

  /** The stored object's size and type, or null when nothing is stored under the key. */
  async head(key: string): Promise<StoredObjectInfo | null> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { bytes: Number(out.ContentLength ?? 0), contentType: out.ContentType };
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw e;
    }
  }

  /** The object's first `length` bytes (fewer when it is shorter). */
  async firstBytes(key: string, length: number): Promise<Buffer> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=0-${length - 1}` }));
    const body = out.Body;
    if (!body) return Buffer.alloc(0);
    return Buffer.from(await body.transformToByteArray());
  }

  /** The last `length` bytes of an object of `size` bytes (an explicit range: not every server takes a suffix range). */
  async lastBytes(key: string, size: number, length: number): Promise<Buffer> {
    const from = Math.max(0, size - length);
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${from}-${size - 1}` }));
    const body = out.Body;
    if (!body) return Buffer.alloc(0);
    return Buffer.from(await body.transformToByteArray());
  }

  async put(key: string, body: Buffer | string, contentType: string): Promise<void> {
    this.forgetDownloads(key);
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  async delete(key: string): Promise<void> {
    this.forgetDownloads(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  close(): void {
    this.client.destroy();
    if (this.signer !== this.client) this.signer.destroy();
  }
}

function clientFor(settings: StorageSettings, endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    // Checksums only where S3 requires them: a presigned PUT must not demand a
    // checksum of a body the signer never saw, and not every S3-compatible server
    // speaks the newer checksum headers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

function statusOf(e: unknown): number | undefined {
  if (e instanceof S3ServiceException) return e.$metadata.httpStatusCode;
  return (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}
