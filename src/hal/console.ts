/**
 * The kernel's console: where klog echoes boot messages and the shell prints.
 * Input is the shell's business (line editing differs per terminal), so the
 * console is output only.
 */

export interface Console {
  /** write text as-is (callers add their own newlines) */
  write(text: string): void;
  /** true when a person is at a terminal (prompts and colours make sense) */
  readonly interactive: boolean;
}
