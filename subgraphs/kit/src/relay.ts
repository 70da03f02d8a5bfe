import { Directive, Field, ObjectType } from 'type-graphql';

/**
 * Relay's PageInfo, one class for every subgraph's connections: the same fields
 * everywhere, so the supergraph composes it as one shareable type.
 */
@Directive('@shareable')
@ObjectType({ description: 'Where a page of a connection sits (Relay cursor connections).' })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean)
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor?: string | null;

  @Field(() => String, { nullable: true })
  endCursor?: string | null;
}
