import { Field, InputType } from 'type-graphql';

@InputType()
export class ApiKeyInput {
  @Field(() => String)
  name!: string;

  @Field(() => [String])
  scopes!: string[];
}
