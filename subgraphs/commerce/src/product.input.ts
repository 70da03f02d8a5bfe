import { Field, ID, InputType, Int } from 'type-graphql';
import { ProductKind } from './entities/product.entity';

@InputType()
export class ProductInput {
  @Field(() => ProductKind)
  kind!: ProductKind;

  @Field(() => String)
  name!: string;

  @Field(() => ID, { nullable: true, description: 'Required for EVENT_PASS and SEAT_UPGRADE; absent for SEASON_PASS.' })
  eventId?: string | null;

  @Field(() => Int, { description: 'Minor units.' })
  amount!: number;

  @Field(() => String, { description: 'ISO 4217, three upper-case letters.' })
  currency!: string;

  @Field(() => Int, { nullable: true, description: 'Units on sale; absent for unlimited.' })
  inventory?: number | null;
}
