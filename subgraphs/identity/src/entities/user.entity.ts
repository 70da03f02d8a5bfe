import { Entity, Property, Unique } from '@mikro-orm/core';
import { Directive, Field, ObjectType, registerEnumType } from 'type-graphql';
import { BaseEntity } from '@frontrow/kit';

export enum Role {
  FAN = 'FAN',
  SPONSOR = 'SPONSOR',
  MODERATOR = 'MODERATOR',
  ADMIN = 'ADMIN',
  DEVELOPER = 'DEVELOPER',
}
registerEnumType(Role, { name: 'Role', description: 'What a user may do; FAN by default.' });

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A person with a FrontRow account.' })
@Entity({ tableName: 'app_user' })
export class User extends BaseEntity<'roles'> {
  /** Resolved by UserResolver: only the user and admins see it. */
  @Unique()
  @Property({ type: 'text' })
  email!: string;

  @Property({ type: 'text', hidden: true, lazy: true })
  passwordHash!: string;

  // The same name for everyone who may see the user: one fetch serves every such caller (kit delivery.ts).
  @Directive('@callerIndependent')
  @Field(() => String)
  @Property({ type: 'text' })
  displayName!: string;

  @Field(() => [Role])
  @Property({ type: 'text[]' })
  roles: Role[] = [Role.FAN];
}
