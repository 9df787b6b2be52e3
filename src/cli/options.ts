/** Shared parsers for command-line option values: a bad value is a UserError naming the flag. */
import { InvalidArgumentError } from 'commander';

/** Parses an integer >= min for commander, with an error naming the flag. */
export function integerOption(flag: string, min: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${flag} expects an integer >= ${min}, got '${value}'`);
    return n;
  };
}
