/**
 * The compatibility suite's `users` subgraph: it owns User, which products extends,
 * overrides a field of and requires two fields from.
 */
import { buildFederatedSchema } from '@frontrow/kit';
import type { GraphQLSchema } from 'graphql';
import { Directive, Field, ID, Int, ObjectType, Resolver } from 'type-graphql';

@Directive('@key(fields: "email")')
@ObjectType('User')
class UsersUser {
  @Field(() => ID)
  email!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Directive('@shareable')
  @Field(() => Int, { nullable: true })
  totalProductsCreated?: number | null;

  @Field(() => Int)
  yearsOfEmployment!: number;
}

const USERS: UsersUser[] = [{ email: 'support@apollographql.com', name: 'Apollo Studio Support', totalProductsCreated: 10, yearsOfEmployment: 10 }];

/** The subgraph has no root fields: User is reached through _entities only. */
@Resolver(() => UsersUser)
class UsersResolver {}

export function buildUsersSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: [UsersResolver], orphanedTypes: [UsersUser] },
    { User: { __resolveReference: (ref: { email?: string }) => USERS.find((u) => u.email === ref.email) ?? null } },
    { name: 'compat-users' },
  );
}
