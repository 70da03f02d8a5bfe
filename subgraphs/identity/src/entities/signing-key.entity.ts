import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import type { JWK } from 'jose';

/** A key pair that signs access tokens; its public half is published in the JWKS. */
@Entity({ tableName: 'signing_key' })
export class SigningKey {
  @PrimaryKey({ type: 'text' })
  kid!: string;

  @Property({ type: 'text' })
  alg!: string;

  @Property({ type: 'json', hidden: true, lazy: true })
  privateJwk!: JWK;

  @Property({ type: 'json' })
  publicJwk!: JWK;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  /** No longer signs; still verifies until `retireAt`. */
  @Property({ type: 'timestamptz', nullable: true })
  rotatedAt?: Date;

  @Property({ type: 'timestamptz', nullable: true })
  retireAt?: Date;
}
