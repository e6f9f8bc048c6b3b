/**
 * Sets `record[key] = value` as an own, enumerable property. Plain assignment of a key
 * read from a file, such as `__proto__`, would change the record's prototype instead.
 */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
