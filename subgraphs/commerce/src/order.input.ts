import { Field, ID, InputType, Int } from 'type-graphql';

@InputType()
export class CheckoutInput {
  @Field(() => ID)
  productId!: string;

  @Field(() => Int, { description: '1 to 10.' })
  quantity!: number;

  @Field(() => String, { description: 'Chosen by the client per purchase: a retry with the same key returns the same order.' })
  idempotencyKey!: string;

  @Field(() => String, {
    nullable: true,
    description: 'A payment method token. Test provider: pm_card_ok (default), pm_card_declined, pm_card_delayed.',
  })
  paymentMethod?: string | null;
}
