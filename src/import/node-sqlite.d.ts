// The part of Node 24's node:sqlite the importer uses; @types/node stays at the oldest Node the package supports.
declare module 'node:sqlite' {
  type SqliteValue = null | number | bigint | string | Uint8Array;
  export class StatementSync {
    all(...params: SqliteValue[]): Record<string, SqliteValue>[];
    get(...params: SqliteValue[]): Record<string, SqliteValue> | undefined;
    run(...params: SqliteValue[]): unknown;
    iterate(...params: SqliteValue[]): IterableIterator<Record<string, SqliteValue>>;
  }
  export class DatabaseSync {
    constructor(path: string, options?: { open?: boolean; readOnly?: boolean });
    prepare(sql: string): StatementSync;
    exec(sql: string): void;
    close(): void;
  }
}
