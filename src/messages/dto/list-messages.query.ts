import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min, ValidateBy } from 'class-validator';

export const MAX_PAGE_LIMIT = 1000;

/** `limit` as the query gives it: `all`, or a number (a non-number stays as it came, for the rule to refuse). */
const limitFromQuery = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value);

export class ListMessagesQuery {
  @ApiPropertyOptional({
    oneOf: [
      { type: 'integer', minimum: 0, maximum: MAX_PAGE_LIMIT },
      { type: 'string', enum: ['all'] },
    ],
    default: 100,
    description:
      'how many of the latest messages; a page also stops once it holds 8 MiB (nextBefore goes on). ' +
      '0 gives an empty page; `all` streams the whole history as one snapshot',
  })
  @IsOptional()
  @Transform(limitFromQuery)
  @ValidateBy(
    {
      name: 'isPageLimit',
      validator: {
        validate: (value: unknown) =>
          value === 'all' || (Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_PAGE_LIMIT),
      },
    },
    { message: `limit must be an integer from 0 to ${MAX_PAGE_LIMIT}, or all` },
  )
  readonly limit: number | 'all' = 100;

  @ApiPropertyOptional({ minimum: 1, description: 'only messages with a smaller seq (nextBefore of the previous page)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2147483647)
  readonly before?: number;
}
