import { Field, Int, ObjectType } from 'type-graphql';
import { ApiKey } from './entities/api-key.entity';
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

export { Role };

@ObjectType({ description: 'What a headset shows while it waits for the fan to approve it.' })
export class DevicePairing {
  @Field(() => String, { description: 'The short code the fan types on the web.' })
  userCode!: string;

  @Field(() => String, { description: 'The secret the headset polls with; never shown to the fan.' })
  deviceCode!: string;

  @Field(() => String)
  verificationUri!: string;

  @Field(() => Date)
  expiresAt!: Date;

  @Field(() => Int, { description: 'Seconds to wait between polls.' })
  interval!: number;
}

@ObjectType()
export class ApiKeyCreated {
  @Field(() => String, { description: 'Shown only in this response; FrontRow keeps only a hash.' })
  secret!: string;

  @Field(() => ApiKey)
  apiKey!: ApiKey;
}
