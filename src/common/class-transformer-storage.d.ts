// class-transformer keeps its @Type() metadata in a storage its index does not export; the
// validation pipe reads it to find nested DTOs without letting class-transformer walk the body.
declare module 'class-transformer/cjs/storage.js' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage.js';
}
