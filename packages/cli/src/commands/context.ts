/** What every command gets from main.ts (kept apart so commands never import main.ts back). */
import type { ErrorContext } from '../errors.js';
import type { CliIo } from '../io.js';

export interface CommandContext {
  io: CliIo;
  /** Filled by commands as they learn the project and URL, for specific error messages. */
  errors: ErrorContext;
}
