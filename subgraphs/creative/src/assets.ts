import { BadInputError, ConflictError, type Logger } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AssetKind, AssetStatus, CreativeAsset } from './entities/creative-asset.entity';
import type { ObjectStore, PresignedUpload } from './object-store';
import { SNIFF_BYTES, TAIL_BYTES, isComplete, sniff } from './sniff';
import { checkBytes, checkContentType, checkText } from './validate';

export interface NewAsset {
  sponsorId: string;
  name: string;
  kind: AssetKind;
  contentType: string;
  bytes: number;
}

/** Records an asset awaiting its bytes and signs the URL they go to. */
export async function requestUpload(
  em: EntityManager,
  store: ObjectStore,
  input: NewAsset,
  ttlSeconds: number,
): Promise<{ asset: CreativeAsset; upload: PresignedUpload }> {
  const name = checkText(input.name, 'name', 200);
  const contentType = checkContentType(input.kind, input.contentType);
  const bytes = checkBytes(input.kind, input.bytes);
  const asset = em.create(CreativeAsset, {
    sponsorId: input.sponsorId,
    name,
    kind: input.kind,
    contentType,
    declaredBytes: bytes,
    objectKey: '',
  });
  asset.objectKey = `assets/${input.sponsorId}/${asset.id}`;
  await em.flush();
  const upload = await store.presignUpload(asset.objectKey, contentType, bytes, ttlSeconds);
  return { asset, upload };
}

/**
 * Checks what was uploaded and sends the asset to review. The object must exist, have
 * the declared size and start with the bytes of its declared type; an image must show
 * its dimensions. Anything else is BAD_USER_INPUT and the object is deleted (the asset
 * stays AWAITING_UPLOAD: the sponsor may ask for a new URL and upload again).
 */
export async function submitUpload(em: EntityManager, store: ObjectStore, asset: CreativeAsset, logger: Logger): Promise<CreativeAsset> {
  if (asset.status !== AssetStatus.AWAITING_UPLOAD) throw new ConflictError(`The asset is ${asset.status}; only an asset awaiting its upload can be submitted.`);
  const stored = await store.head(asset.objectKey);
  if (!stored) throw new BadInputError('Nothing has been uploaded for this asset yet: PUT the file to its upload URL first.', 'assetId');
  const refuse = async (message: string): Promise<never> => {
    await store.delete(asset.objectKey).catch((err: unknown) => logger.warn({ err, key: asset.objectKey }, 'could not delete a refused upload'));
    throw new BadInputError(`${message} The upload was deleted.`, 'assetId');
  };
  if (stored.bytes !== asset.declaredBytes) await refuse(`The stored file has ${stored.bytes} bytes, not the ${asset.declaredBytes} declared.`);
  const head = await store.firstBytes(asset.objectKey, SNIFF_BYTES);
  const found = sniff(head);
  if (!found) await refuse(`The file is not a ${asset.contentType} file (its first bytes match no accepted type).`);
  if (found!.contentType !== asset.contentType) await refuse(`The file is a ${found!.contentType} file, not ${asset.contentType}.`);
  if (asset.kind === AssetKind.IMAGE && (!found!.width || !found!.height)) await refuse('The image\'s dimensions could not be read: the file is truncated or malformed.');
  const tail = await store.lastBytes(asset.objectKey, stored.bytes, TAIL_BYTES);
  if (!isComplete(asset.contentType, head, tail, stored.bytes)) await refuse(`The ${asset.contentType} file is truncated: it does not end as the format requires.`);
  asset.bytes = stored.bytes;
  asset.width = found!.width;
  asset.height = found!.height;
  asset.status = AssetStatus.IN_REVIEW;
  asset.submittedAt = new Date();
  await em.flush();
  return asset;
}
