/**
 * Keyboard source for the terminal: the shell (or later the compositor)
 * feeds it the keypress events it already receives — Node's readline
 * `keypress` (str, key) pairs — so this source never puts the terminal in
 * raw mode or reads stdin itself. Only the key class leaves this file;
 * the key's identity is dropped here.
 *
 * Hook, in the terminal front end:
 *   readline.emitKeypressEvents(input);
 *   input.on('keypress', (text, key) => keys.feedKeypress(text, key));
 */

import type { Clock } from '../../clock.ts';
import type { KeyClass, KeyReading, SensorSource } from '../../sensors.ts';

/** the fields of Node's readline keypress `key` object that classification reads */
export interface KeypressInfo {
  readonly name?: string;
  readonly ctrl?: boolean;
  readonly meta?: boolean;
  readonly shift?: boolean;
  readonly sequence?: string;
}

const NAVIGATION_NAMES = new Set(['up', 'down', 'left', 'right', 'home', 'end', 'pageup', 'pagedown', 'tab', 'clear']);
const COMMAND_NAMES = new Set(['escape', 'insert', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8', 'f9', 'f10', 'f11', 'f12']);

/**
 * The class of one keypress: enter, backspace (and delete), navigation
 * (arrows, paging, tab), modifier (a Ctrl/Meta chord, escape or a function
 * key), printable (text, including space); undefined for nothing usable.
 */
export function classifyKeypress(text: string | undefined, key: KeypressInfo | undefined): KeyClass | undefined {
  const name = key?.name;
  if (name === 'return' || name === 'enter') return 'enter';
  if (name === 'backspace' || name === 'delete') return 'backspace';
  if (name !== undefined && NAVIGATION_NAMES.has(name)) return 'navigation';
  if (key?.ctrl === true || key?.meta === true) return 'modifier';
  if (name !== undefined && COMMAND_NAMES.has(name)) return 'modifier';
  if (text !== undefined && text.length > 0 && !/[\u0000-\u001f\u007f]/.test(text)) return 'printable';
  return undefined;
}

export class TerminalKeySource implements SensorSource<'kbd'> {
  readonly kind = 'kbd' as const;
  private readonly clock: Clock;
  private emit: ((reading: KeyReading) => void) | undefined;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  start(emit: (reading: KeyReading) => void): void {
    this.emit ??= emit;
  }

  stop(): void {
    this.emit = undefined;
  }

  /** feed one keypress from the terminal; ignored while stopped (nothing is captured) */
  feedKeypress(text: string | undefined, key: KeypressInfo | undefined): void {
    if (this.emit === undefined) return;
    const keyClass = classifyKeypress(text, key);
    if (keyClass !== undefined) this.emit({ kind: 'kbd', atMs: this.clock.now(), keyClass });
  }
}
