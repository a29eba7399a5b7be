/** Adds a value to a statement's parameters and returns the placeholder that names it. */
export type AddParam = (value: unknown) => string;

/**
 * The values of one statement and their placeholders, numbered as they are added: `add` returns
 * the `$n` of the value it appended, so no placeholder is counted by hand and none can name its
 * neighbour. Values given to the constructor are $1, $2… in order (a fixed head, such as the
 * sessions repository's retention at $1); `add` goes on after them. `add` is bound, so it can be
 * handed on (a rider's SQL takes its parameters through it).
 */
export class SqlParams {
  readonly values: unknown[];
  private reserved = 0;

  constructor(...head: unknown[]) {
    this.values = head;
  }

  /**
   * Parameters numbered after `reserved` placeholders the caller fills itself (the sessions
   * repository's retention at $1, which its write() puts first): `values` holds only these.
   */
  static after(reserved: number, ...head: unknown[]): SqlParams {
    const params = new SqlParams(...head);
    params.reserved = reserved;
    return params;
  }

  readonly add: AddParam = (value) => `$${this.values.push(value) + this.reserved}`;
}
