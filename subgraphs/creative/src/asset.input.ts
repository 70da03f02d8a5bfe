import { Field, ID, InputType, Int } from 'type-graphql';
import { AssetKind } from './entities/creative-asset.entity';

@InputType()
export class AssetUploadInput {
  @Field(() => ID)
  sponsorId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => AssetKind)
  kind!: AssetKind;

  @Field(() => String, { description: 'image/png, image/jpeg, image/webp; video/mp4, video/webm.' })
  contentType!: string;

  @Field(() => Int, { description: 'The exact size of the file; images up to 10 MiB, videos up to 200 MiB.' })
  bytes!: number;
}
