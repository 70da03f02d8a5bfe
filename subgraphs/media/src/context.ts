import type { RequestBase } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { MediaService } from './media.service';

export interface MediaContext extends RequestBase {
  em: EntityManager;
  media: MediaService;
}
