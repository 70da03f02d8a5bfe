import { foreignId, parseId } from '@frontrow/kit';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { CreativeContext } from './context';
import { Placement } from './entities/placement.entity';
import { AdManifest, EventRef } from './types';

/** What creative adds to events' Event: its placements and their manifest. Public, as the venue is. */
@Resolver(() => EventRef)
export class EventResolver {
  @FieldResolver(() => [Placement], { description: 'The event\'s placements that have not ended, by surface, then start.' })
  placements(@Root() event: EventRef, @Ctx() ctx: CreativeContext): Promise<Placement[]> {
    const id = parseId(event.id);
    return id ? ctx.loaders.placementsByEvent.load(id) : Promise.resolve([]);
  }

  @FieldResolver(() => AdManifest)
  adManifest(@Root() event: EventRef, @Ctx() ctx: CreativeContext): Promise<AdManifest> {
    return ctx.services.manifests.get(ctx.em, foreignId(event.id, 'id'));
  }
}
