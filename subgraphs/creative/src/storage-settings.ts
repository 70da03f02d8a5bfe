import { ConfigError, loadConfig, setting, type ConfigOf } from '@frontrow/kit';
import type { StorageSettings } from './object-store';

/** The object-storage settings, read by creative alone and by `npm start` alike. */
export const STORAGE_SETTINGS = {
  /** Any S3-compatible server; without it, storage is served from a folder (embedded mode). */
  S3_ENDPOINT: setting.url({ optional: true, protocols: ['http', 'https'] }),
  /** Where clients reach storage when not at S3_ENDPOINT: presigned URLs name it. */
  S3_PUBLIC_ENDPOINT: setting.url({ optional: true, protocols: ['http', 'https'] }),
  S3_BUCKET: setting.string({ default: 'frontrow-creative' }),
  S3_REGION: setting.string({ default: 'us-east-1' }),
  S3_ACCESS_KEY_ID: setting.optionalString(),
  S3_SECRET_ACCESS_KEY: setting.optionalString(),
  /** true: the bucket in the path (MinIO, most self-hosted servers); false: in the host name (S3's default). */
  S3_FORCE_PATH_STYLE: setting.oneOf(['true', 'false'] as const, { default: 'true' }),
};

/** The storage settings when S3_ENDPOINT is set; undefined for the embedded server. */
export function readStorageSettings(env: Record<string, string | undefined> = process.env): StorageSettings | undefined {
  const config: ConfigOf<typeof STORAGE_SETTINGS> = loadConfig(STORAGE_SETTINGS, env);
  if (!config.S3_ENDPOINT) return undefined;
  if (!config.S3_ACCESS_KEY_ID) throw new ConfigError('S3_ACCESS_KEY_ID', 'is required when S3_ENDPOINT is set.');
  if (!config.S3_SECRET_ACCESS_KEY) throw new ConfigError('S3_SECRET_ACCESS_KEY', 'is required when S3_ENDPOINT is set.');
  return {
    endpoint: config.S3_ENDPOINT,
    publicEndpoint: config.S3_PUBLIC_ENDPOINT,
    bucket: config.S3_BUCKET,
    region: config.S3_REGION,
    accessKeyId: config.S3_ACCESS_KEY_ID,
    secretAccessKey: config.S3_SECRET_ACCESS_KEY,
    forcePathStyle: config.S3_FORCE_PATH_STYLE === 'true',
  };
}
