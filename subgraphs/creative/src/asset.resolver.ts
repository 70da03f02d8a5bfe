import { Access, NotFoundError } from '@frontrow/kit';
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { SPONSOR_WRITE, canSeeAsset, managedAsset, managedSponsor } from './access';
import { AssetUploadInput } from './asset.input';
import { requestUpload, submitUpload } from './assets';
import type { CreativeContext } from './context';
import { AssetStatus, CreativeAsset } from './entities/creative-asset.entity';
import { Sponsor } from './entities/sponsor.entity';
import { AssetUpload } from './types';

@Resolver(() => CreativeAsset)
export class AssetResolver {
  @Access(SPONSOR_WRITE)
  @Query(() => CreativeAsset, { nullable: true, description: 'Its sponsor\'s owner and admins; any other id is NOT_FOUND.' })
  async creativeAsset(@Arg('id', () => ID) id: string, @Ctx() ctx: CreativeContext): Promise<CreativeAsset> {
    return (await managedAsset(ctx, id)).asset;
  }

  @Access(SPONSOR_WRITE)
  @Mutation(() => AssetUpload, {
    description: 'Records an asset and returns a presigned PUT (15 minutes) bound to its content type and size: upload the file there, then submitAsset.',
  })
  async requestAssetUpload(@Arg('input', () => AssetUploadInput) input: AssetUploadInput, @Ctx() ctx: CreativeContext): Promise<AssetUpload> {
    const sponsor = await managedSponsor(ctx, input.sponsorId);
    const { asset, upload } = await requestUpload(ctx.em, ctx.services.store, { ...input, sponsorId: sponsor.id }, ctx.services.settings.uploadUrlTtlSeconds);
    return { asset, uploadUrl: upload.url, method: upload.method, headers: upload.headers, expiresAt: upload.expiresAt };
  }

  @Access(SPONSOR_WRITE)
  @Mutation(() => CreativeAsset, {
    description: 'Checks the uploaded file (size, type by its first bytes, image dimensions) and sends the asset to review. A file that fails is deleted: BAD_USER_INPUT.',
  })
  async submitAsset(@Arg('assetId', () => ID) assetId: string, @Ctx() ctx: CreativeContext): Promise<CreativeAsset> {
    const { asset } = await managedAsset(ctx, assetId);
    return submitUpload(ctx.em, ctx.services.store, asset, ctx.log);
  }

  @FieldResolver(() => Sponsor)
  async sponsor(@Root() asset: CreativeAsset, @Ctx() ctx: CreativeContext): Promise<Sponsor> {
    const sponsor = await ctx.loaders.sponsor.load(asset.sponsorId);
    if (!sponsor) throw new NotFoundError('Sponsor');
    return sponsor;
  }

  @FieldResolver(() => String, { nullable: true, description: 'A presigned GET that expires; null until the file is uploaded and submitted.' })
  async url(@Root() asset: CreativeAsset, @Ctx() ctx: CreativeContext): Promise<string | null> {
    if (asset.status === AssetStatus.AWAITING_UPLOAD || !(await canSeeAsset(ctx, asset))) return null;
    return (await ctx.services.store.presignDownload(asset.objectKey, ctx.services.settings.downloadUrlTtlSeconds)).url;
  }
}

