/**
 * The message every shared engine (`@ssekit/redis`, `@ssekit/nats`) gives a request that failed, so
 * that both say the same thing the same way. Reached through `@ssekit/core/internal`.
 */

/**
 * What failed, why, and what it means for the caller: a send that fails was not published (the
 * caller retries or reports it), a read that fails read nothing.
 *
 * @param engine - the engine's name as users know it (`Redis`, `NATS`).
 * @param request - the command or operation that failed.
 * @param target - where it was sent, quoted as the engine names it (`"chat"`, `stream "chat"`).
 * @param sending - whether the request was a send (the event was then not published).
 */
export function failedRequestMessage(
  engine: string,
  request: string,
  target: string,
  sending: boolean,
  error: unknown,
): string {
  const reason = error instanceof Error ? error.message : String(error);
  const outcome = sending ? 'The event was not published' : 'Nothing was read';
  return `${engine} did not complete ${request} on ${target}: ${reason}. ${outcome}.`;
}
