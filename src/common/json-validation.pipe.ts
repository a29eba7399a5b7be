import { type ArgumentMetadata, BadRequestException, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError, type ValidatorOptions } from 'class-validator';
import { type DtoClass, shapeOf } from './dto-shape.js';

type Json = Record<string, unknown>;
type Path = Array<string | number>;

/** A value taken out of the body before class-transformer runs, put back on the DTO after. */
interface Lifted {
  path: Path;
  value: unknown;
}

// Enough to say what is wrong without making the answer to a hostile body as large as the body.
const MAX_PROBLEMS = 10;
const LONE_SURROGATE = /\p{Surrogate}/u;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The global pipe: NestJS's ValidationPipe (whitelist, forbidNonWhitelisted, transform, the same
 * error messages), made linear in the size of the body. class-transformer walks every value it is
 * given, and slowly (a 1 MB object of 70k keys took seconds), so it only ever sees the typed
 * fields: unknown fields are refused first, by their names alone; free-form JSON and any object
 * where a typed value belongs are lifted out, and put back on the DTO for class-validator to check
 * (a free-form value is the very object the client sent, every key kept). Typed strings must be
 * well-formed Unicode, since PostgreSQL's text would store a lone surrogate as U+FFFD.
 */
export class JsonValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, transform: true });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const dto = metadata.metatype;
    if (!dto || !this.toValidate(metadata)) return this.transformPrimitive(value, metadata);
    const input = value ?? {};
    if (!isObject(input)) throw new BadRequestException([`the ${metadata.type} must be a JSON object`]);

    const lifted: Lifted[] = [];
    const problems: string[] = [];
    const typed = this.typedPart(dto, input, [], lifted, problems);
    if (problems.length) throw new BadRequestException(problems);

    const entity = plainToInstance(dto, typed) as Json;
    for (const { path, value: original } of lifted) putBack(entity, path, original);
    const errors = await this.validate(entity, { ...this.validatorOptions, validationError: { target: false, value: false } });
    if (errors.length) throw await this.exceptionFactory(errors);
    return entity;
  }

  // ValidationPipe loads class-validator lazily in its own transform, which this one replaces.
  protected override validate(object: object, options?: ValidatorOptions): Promise<ValidationError[]> {
    return validate(object, options);
  }

  /** A copy of `input` holding only what class-transformer may walk: primitives and nested DTOs. */
  private typedPart(dto: DtoClass, input: Json, path: Path, lifted: Lifted[], problems: string[]): Json {
    const shape = shapeOf(dto);
    const prefix = path.length ? `${path.join('.')}.` : '';
    const keys = Object.keys(input);
    // Names first: a body with an unknown field is refused before any of its values is looked at.
    for (const key of keys) {
      if (shape.known.has(key)) continue;
      problems.push(`${prefix}property ${key} should not exist`);
      if (problems.length >= MAX_PROBLEMS) break;
    }
    if (problems.length) return {};

    const typed: Json = {};
    for (const key of keys) {
      const value = input[key];
      const at = [...path, key];
      const nested = shape.nested.get(key);
      if (shape.freeForm.has(key)) {
        lifted.push({ path: at, value });
      } else if (typeof value !== 'object' || value === null) {
        if (typeof value === 'string' && LONE_SURROGATE.test(value)) {
          problems.push(`${prefix}${key} must be well-formed Unicode (it holds a lone surrogate)`);
        }
        typed[key] = value;
      } else if (nested && isObject(value)) {
        typed[key] = this.typedPart(nested, value, at, lifted, problems);
      } else if (nested && Array.isArray(value)) {
        typed[key] = value.map((item, index) => {
          if (isObject(item)) return this.typedPart(nested, item, [...at, index], lifted, problems);
          lifted.push({ path: [...at, index], value: item });
          return null;
        });
      } else {
        // An object or array where a typed value belongs: class-validator refuses it as it is.
        lifted.push({ path: at, value });
      }
      if (problems.length >= MAX_PROBLEMS) break;
    }
    return typed;
  }
}

function putBack(entity: Json, path: Path, value: unknown): void {
  let node: unknown = entity;
  for (const step of path.slice(0, -1)) node = (node as Json)[step];
  if (typeof node === 'object' && node !== null) (node as Json)[path[path.length - 1]] = value;
}
