import { PageInfo } from '@frontrow/kit';
import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { CreativeAsset } from './entities/creative-asset.entity';
import { Placement } from './entities/placement.entity';

/** The events subgraph owns Event; creative adds `placements` and `adManifest`. */
@Directive('@key(fields: "id")')
@ObjectType('Event')
export class EventRef {
  @Field(() => ID)
  id!: string;
}

/** Identity owns User; a sponsor only points at its owner. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType('User')
export class UserRef {
  @Field(() => ID)
  id!: string;
}

@ObjectType({ description: 'A header an upload must carry exactly as given (it is part of the signature).' })
export class HttpHeader {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  value!: string;
}

@ObjectType({ description: 'Where and how to upload an asset\'s bytes: straight to object storage, never through the gateway.' })
export class AssetUpload {
  @Field(() => CreativeAsset)
  asset!: CreativeAsset;

  @Field(() => String, { description: 'A presigned URL, bound to the content type and length.' })
  uploadUrl!: string;

  @Field(() => String)
  method!: string;

  @Field(() => [HttpHeader])
  headers!: HttpHeader[];

  @Field(() => Date)
  expiresAt!: Date;
}

@ObjectType()
export class CreativeAssetEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => CreativeAsset)
  node!: CreativeAsset;
}

@ObjectType()
export class CreativeAssetConnection {
  @Field(() => [CreativeAssetEdge])
  edges!: CreativeAssetEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@ObjectType({ description: 'The event\'s placements as one JSON document in object storage, for clients that paint the venue once.' })
export class AdManifest {
  @Field(() => ID)
  eventId!: string;

  @Field(() => Int, { description: 'Rises whenever the event\'s placements change.' })
  version!: number;

  @Field(() => String, { description: 'A presigned GET of the JSON document of this version.' })
  url!: string;

  @Field(() => Date, { description: 'When `url` stops working.' })
  expiresAt!: Date;

  @Field(() => [Placement], { description: 'What the document lists: the placements that have not ended.' })
  placements!: Placement[];
}
