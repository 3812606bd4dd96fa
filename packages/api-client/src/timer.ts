/**
 * The timeout of one attempt: a fixed deadline for JSON calls, or an idle deadline for uploads
 * that restarts whenever bytes flow (a 200 MiB upload may take minutes, a stall may not).
 */
export class AttemptTimer {
  readonly signal: AbortSignal;
  timedOut = false;
  readonly #controller = new AbortController();
  readonly #ms: number;
  readonly #idle: boolean;
  #handle: ReturnType<typeof setTimeout> | undefined;

  constructor(ms: number, idle: boolean) {
    this.#ms = ms;
    this.#idle = idle;
    this.signal = this.#controller.signal;
    this.#arm();
  }

  /** Restarts an idle deadline; a no-op for fixed deadlines. */
  touch = (): void => {
    if (this.#idle && !this.timedOut) this.#arm();
  };

  /** Stops the deadline once the attempt is over. */
  clear(): void {
    clearTimeout(this.#handle);
  }

  #arm(): void {
    clearTimeout(this.#handle);
    this.#handle = setTimeout(() => {
      this.timedOut = true;
      this.#controller.abort(new DOMException(`No answer within ${this.#ms} ms`, 'TimeoutError'));
    }, this.#ms);
  }
}
