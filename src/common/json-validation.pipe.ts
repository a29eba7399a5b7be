import { type ArgumentMetadata, BadRequestException, ValidationPipe } from '@nestjs/common';
import { validate, type ValidationError, type ValidatorOptions } from 'class-validator';
import { toInstance, validateInChunks } from './chunked-validation.js';
import { nextTurn, PER_TURN } from './turns.js';
import { type DtoClass, shapeOf } from './dto-shape.js';
import { bodySourceOf } from './json-body-parser.js';
import { MAX_JSON_DEPTH, type ObjectSpans } from './json-spans.js';
import { JsonText } from './json-text.js';

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

/** Where the body's free-form values lie in its text: the object being read, within `text`. */
interface Source {
  text: string;
  spans: ObjectSpans | undefined;
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * NestJS's ValidationPipe (same options, same messages), linear in the body's size: class-transformer
 * took seconds on a 1 MB object, so it sees only the typed fields. Free-form values come back as
 * JsonText cut from the body (json-spans.ts); typed strings refuse U+0000 and lone surrogates, which
 * PostgreSQL's text cannot keep.
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
    const body = bodySourceOf(input);
    const typed = await this.typedPart(dto, input, [], lifted, problems, { text: body?.text ?? '', spans: body?.root });
    if (problems.length) throw new BadRequestException(problems);

    const entity = await toInstance(dto, typed);
    for (const { path, value: original } of lifted) putBack(entity, path, original);
    const options = { ...this.validatorOptions, validationError: { target: false, value: false } };
    const errors = await validateInChunks(entity, dto, options, (object, given) => this.validate(object, given), MAX_PROBLEMS);
    if (errors.length) throw await this.exceptionFactory(errors);
    return entity;
  }

  // ValidationPipe loads class-validator lazily in its own transform, which this one replaces.
  protected override validate(object: object, options?: ValidatorOptions): Promise<ValidationError[]> {
    return validate(object, options);
  }

  /**
   * A copy of `input` holding only what class-transformer may walk: primitives and nested DTOs.
   * The elements of an array of DTOs (a batch of messages) are done a chunk per turn of the event loop.
   */
  private async typedPart(dto: DtoClass, input: Json, path: Path, lifted: Lifted[], problems: string[], source: Source): Promise<Json> {
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
      const freeForm = shape.freeForm.has(key);
      // Looked up only where needed: a body may repeat a key many times, each a span to compare.
      const span = freeForm || (nested && Array.isArray(value)) ? source.spans?.member(source.text, key) : undefined;
      if (freeForm) {
        if (span && span.depth > MAX_JSON_DEPTH) problems.push(`${prefix}${key} must not nest deeper than ${MAX_JSON_DEPTH} levels`);
        // null stays null (IsOptional reads it as absent); without a span (a value not read from a
        // body's text) its JSON.stringify text stands in.
        const exact = span ? new JsonText(source.text.slice(span.start, span.end)) : JsonText.of(value);
        lifted.push({ path: at, value: value === null ? null : exact });
        if (problems.length >= MAX_PROBLEMS) break;
        continue;
      }
      // Typed values, and what is given where one belongs (nested DTOs are checked by their own fields).
      const problem = nested && typeof value === 'object' ? null : typedValueProblem(value);
      if (problem) problems.push(`${prefix}${key} ${problem}`);
      if (typeof value !== 'object' || value === null) {
        typed[key] = value;
      } else if (nested && isObject(value)) {
        typed[key] = await this.typedPart(nested, value, at, lifted, problems, { text: source.text, spans: undefined });
      } else if (nested && Array.isArray(value)) {
        const elements: Array<Json | null> = [];
        for (let index = 0; index < value.length && problems.length < MAX_PROBLEMS; index++) {
          if (index > 0 && index % PER_TURN === 0) await nextTurn();
          const item: unknown = value[index];
          const spans = span?.elements?.[index] ?? undefined;
          if (isObject(item)) {
            elements.push(await this.typedPart(nested, item, [...at, index], lifted, problems, { text: source.text, spans }));
          } else {
            lifted.push({ path: [...at, index], value: item });
            elements.push(null);
          }
        }
        typed[key] = elements;
      } else {
        // An object or array where a typed value belongs: class-validator refuses it as it is.
        lifted.push({ path: at, value });
      }
      if (problems.length >= MAX_PROBLEMS) break;
    }
    return typed;
  }
}

/**
 * What a typed value (or anything inside an object or array given where one belongs) must not hold:
 * PostgreSQL's text cannot store U+0000 and would store a lone surrogate as U+FFFD; 1e400 parses as
 * Infinity. Iterative, linear in the value's size.
 */
function typedValueProblem(root: unknown): string | null {
  const values: unknown[] = [root];
  while (values.length) {
    const value = values.pop();
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return 'must not contain U+0000';
      if (LONE_SURROGATE.test(value)) return 'must be well-formed Unicode (it holds a lone surrogate)';
    } else if (typeof value === 'number' && !Number.isFinite(value)) return 'must be a finite number';
    else if (value && typeof value === 'object') for (const item of Object.values(value)) values.push(item);
  }
  return null;
}

function putBack(entity: Json, path: Path, value: unknown): void {
  let node: unknown = entity;
  for (const step of path.slice(0, -1)) node = (node as Json)[step];
  if (typeof node === 'object' && node !== null) (node as Json)[path[path.length - 1]] = value;
}
