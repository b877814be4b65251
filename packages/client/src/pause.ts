/** What a `Pauser` may do to the client it was given to. */
export interface PauseControl {
  /**
   * Closes the connection (the server sees the client leave) and holds the next attempt until
   * `resume()`; the state becomes `reconnecting` with `paused: true`. Does nothing for a request that
   * must not be sent again (a POST with no last event id and no `replay: true`), or when paused.
   */
  pause(): void;
  /** Reconnects at once, with `Last-Event-ID`. Does nothing unless paused. */
  resume(): void;
}

/**
 * Pauses and resumes a client from outside (the `pause` option of `connect`): called once with the
 * client's controls when it starts; returns the function that stops it, called when the client closes.
 */
export type Pauser = (control: PauseControl) => () => void;

/**
 * Closes the connection while the page is hidden (`document.visibilityState`) and resumes by
 * `Last-Event-ID` once it is visible again (the `pause` option of `connect`). Nothing closes
 * implicitly without it. Does nothing where there is no `document`.
 *
 * A function of its own, not a flag, so that a bundle without it leaves its code out.
 *
 * @example
 * const client = connect('/feed', { pause: pauseWhenHidden() });
 */
export function pauseWhenHidden(): Pauser {
  return ({ pause, resume }) => {
    if (typeof document === 'undefined') return () => {};
    const onChange = () => (document.visibilityState === 'hidden' ? pause() : resume());
    document.addEventListener('visibilitychange', onChange);
    return () => document.removeEventListener('visibilitychange', onChange);
  };
}
