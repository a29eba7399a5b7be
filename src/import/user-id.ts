/** A user id as the tokens carry it: what `sessions.user_id` (varchar(128)) holds, without control characters. */
export function isUserId(value: string): boolean {
  return value.length >= 1 && [...value].length <= 128 && !/[\p{Cc}\p{Cs}]/u.test(value);
}
