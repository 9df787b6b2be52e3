/**
 * An error caused by the user's input (a config, a file, a flag). The CLI prints its message as one sentence,
 * without a stack trace; everything else is a bug and keeps its stack.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
