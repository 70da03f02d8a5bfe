import { Field, InputType } from 'type-graphql';

@InputType()
export class DevicePairingInput {
  @Field(() => String)
  deviceName!: string;

  @Field(() => String)
  platform!: string;
}
