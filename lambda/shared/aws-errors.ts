/** Reading the name and the message of any error, as thrown by the AWS SDK or anything else. */

/** The name of an error, or "Error" when it has none. */
export function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== '' ? name : 'Error';
}

/** The message of an error, or its string form. */
export function errorMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
