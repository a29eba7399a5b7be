import { defaultMetadataStorage } from 'class-transformer/cjs/storage.js';
import { getMetadataStorage } from 'class-validator';
import { FREE_FORM_RULES } from './validators.js';

/** A DTO class (or any class a handler's metadata names). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- metadata hands classes over as Function
export type DtoClass = Function;

/** What the validation pipe needs to know of a DTO class before it touches a body. */
export interface DtoShape {
  /** every property that carries a class-validator rule: anything else is an unknown field */
  readonly known: ReadonlySet<string>;
  /** free-form JSON (content, metadata, context): passed on as sent, never walked */
  readonly freeForm: ReadonlySet<string>;
  /** properties holding another DTO (or an array of them), by @Type() */
  readonly nested: ReadonlyMap<string, DtoClass>;
}

// Targets of @Type() that are conversions of a value (query strings), not nested DTOs.
const NOT_NESTED: ReadonlySet<unknown> = new Set([Number, String, Boolean, Date, Object, Array]);

const shapes = new WeakMap<DtoClass, DtoShape>();

/** Read once per class from the decorators' metadata (inherited and mapped types included). */
export function shapeOf(dto: DtoClass): DtoShape {
  let shape = shapes.get(dto);
  if (shape) return shape;
  const rules = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  const known = new Set(rules.map((rule) => rule.propertyName));
  const freeForm = new Set(rules.filter((rule) => rule.name && FREE_FORM_RULES.has(rule.name)).map((rule) => rule.propertyName));
  const nested = new Map<string, DtoClass>();
  for (const property of known) {
    const type = defaultMetadataStorage.findTypeMetadata(dto, property)?.typeFunction();
    if (typeof type === 'function' && !NOT_NESTED.has(type)) nested.set(property, type);
  }
  shape = { known, freeForm, nested };
  shapes.set(dto, shape);
  return shape;
}
