import { type ClassConstructor, plainToInstance } from 'class-transformer';
import { ValidationError, type ValidatorOptions } from 'class-validator';
import { type DtoClass, shapeOf } from './dto-shape.js';
import { nextTurn, PER_TURN as CHUNK } from './turns.js';

/*
 * The elements of a batch (a root member holding an array of DTOs, such as a batch of messages)
 * are transformed and validated a chunk per turn of the event loop (turns.ts): class-transformer
 * and class-validator take tens of microseconds an element, and 10,000 of them in one go held
 * every other request for about a second.
 */

type Json = Record<string, unknown>;
type Class = ClassConstructor<object>;
type Validate = (object: object, options: ValidatorOptions) => Promise<ValidationError[]>;

/** The root members of `typed` that hold arrays of nested DTOs longer than a chunk. */
function batchesOf(dto: DtoClass, typed: Json): Array<[string, DtoClass]> {
  return [...shapeOf(dto).nested].filter(([key]) => Array.isArray(typed[key]) && (typed[key] as unknown[]).length > CHUNK);
}

/** plainToInstance(dto, typed), the elements of a batch a chunk per turn (typed's batches are emptied). */
export async function toInstance(dto: DtoClass, typed: Json): Promise<Json> {
  const batches = batchesOf(dto, typed).map(([key, nested]) => {
    const elements = typed[key] as unknown[];
    typed[key] = [];
    return { key, nested, elements };
  });
  const entity = plainToInstance(dto as Class, typed) as Json;
  for (const { key, nested, elements } of batches) {
    const instances: unknown[] = [];
    for (let start = 0; start < elements.length; start += CHUNK) {
      await nextTurn();
      instances.push(...plainToInstance(nested as Class, elements.slice(start, start + CHUNK)));
    }
    entity[key] = instances;
  }
  return entity;
}

/**
 * class-validator's errors for `entity`, the elements of each batch a chunk per turn. Each pass
 * sees the batch as a sparse array of its full length holding only that chunk (class-validator
 * walks arrays with forEach, which skips holes), so the errors name the right indices and rules on
 * the array itself see its length; those rules, and the other properties, count from the first pass
 * only. Past `maxElementErrors` erroneous elements the rest is not looked at.
 */
export async function validateInChunks(
  entity: Json,
  dto: DtoClass,
  options: ValidatorOptions,
  validate: Validate,
  maxElementErrors: number,
): Promise<ValidationError[]> {
  const batches = batchesOf(dto, entity).map(([key]) => ({ key, elements: entity[key] as unknown[] }));
  if (!batches.length) return validate(entity, options);
  try {
    for (const { key, elements } of batches) entity[key] = chunkOf(elements, 0);
    const errors = await validate(entity, options);
    for (const { key, elements } of batches) {
      let error = errors.find((found) => found.property === key);
      for (let start = CHUNK; start < elements.length && (error?.children?.length ?? 0) < maxElementErrors; start += CHUNK) {
        for (const batch of batches) entity[batch.key] = batch.key === key ? chunkOf(elements, start) : [];
        await nextTurn();
        const found = (await validate(entity, options)).find((candidate) => candidate.property === key)?.children ?? [];
        if (!found.length) continue;
        error ??= errors[errors.push(Object.assign(new ValidationError(), { property: key, children: [] })) - 1];
        error.children = [...(error.children ?? []), ...found];
      }
    }
    return errors;
  } finally {
    for (const { key, elements } of batches) entity[key] = elements;
  }
}

function chunkOf(elements: unknown[], start: number): unknown[] {
  const chunk = new Array<unknown>(elements.length);
  for (let i = start; i < Math.min(start + CHUNK, elements.length); i++) chunk[i] = elements[i];
  return chunk;
}
