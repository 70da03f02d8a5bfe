import { Field, InputType, ObjectType } from 'type-graphql';
import { User } from './entities/user.entity';
import { Role } from './entities/user.entity';

@ObjectType({ description: 'A short-lived access token and a refresh token that rotates on every use.' })
export class AuthPayload {
  @Field(() => String)
  accessToken!: string;

  @Field(() => String)
  refreshToken!: string;

  @Field(() => Date, { description: 'When the access token expires.' })
  expiresAt!: Date;

  @Field(() => User)
  user!: User;
}

@InputType()
export class SignUpInput {
  @Field(() => String)
  email!: string;

  @Field(() => String)
  password!: string;

  @Field(() => String)
  displayName!: string;
}

@InputType()
export class SignInInput {
  @Field(() => String)
  email!: string;

  @Field(() => String)
  password!: string;
}

@InputType()
export class DevicePairingInput {
  @Field(() => String)
  deviceName!: string;

  @Field(() => String)
  platform!: string;
}

@InputType()
export class ApiKeyInput {
  @Field(() => String)
  name!: string;

  @Field(() => [String])
  scopes!: string[];
}

export { Role };
