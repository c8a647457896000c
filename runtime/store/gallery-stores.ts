/**
 * The gallery's store modules over one database, built once per connection (statements are
 * prepared in the constructors), so routes, the job runner and tests share them.
 */
import type { Db } from './db';
import { GalleryQueries } from './gallery';
import { LibraryStore } from './library';
import { CollectionStore } from './collections';
import { PromptTemplateStore } from './prompt-templates';
import { JobStore } from './jobs';
import { GenerationFileStore } from './generation-files';

export interface GalleryStores {
  queries: GalleryQueries;
  library: LibraryStore;
  collections: CollectionStore;
  templates: PromptTemplateStore;
  jobs: JobStore;
  files: GenerationFileStore;
}

const cache = new WeakMap<Db, GalleryStores>();

/** The gallery stores of `db`, created on first use and cached per connection (WeakMap). */
export function galleryStores(db: Db): GalleryStores {
  let s = cache.get(db);
  if (!s) {
    s = {
      queries: new GalleryQueries(db),
      library: new LibraryStore(db),
      collections: new CollectionStore(db),
      templates: new PromptTemplateStore(db),
      jobs: new JobStore(db),
      files: new GenerationFileStore(db),
    };
    cache.set(db, s);
  }
  return s;
}
