/**
 * Thrown when a handler receives an event it cannot work with: a missing field, a value
 * of the wrong type, an unknown option. It means the state machine definition (or whoever
 * invoked the handler) is wrong, so retrying cannot help; Step Functions sees the error
 * name `InvalidEventError`.
 */
export class InvalidEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventError';
  }
}
