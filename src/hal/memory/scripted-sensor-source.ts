/**
 * A sensor source for tests: readings are pushed by the test and reach the
 * driver only while the source is started, exactly as a real device that is
 * switched off would capture nothing. Counts starts and stops so gate tests
 * can check that a denied sense never even started its source.
 */

import { fail, type SensorKind } from '../../common/index.ts';
import type { SensorReadingMap, SensorSource } from '../sensors.ts';

export class ScriptedSensorSource<K extends SensorKind> implements SensorSource<K> {
  readonly kind: K;
  /** start() calls that started capture */
  startCount = 0;
  /** stop() calls that stopped capture */
  stopCount = 0;
  /** readings pushed while stopped (discarded, as a switched-off device would) */
  discarded = 0;
  private emit: ((reading: SensorReadingMap[K]) => void) | undefined;
  private onError: ((error: Error) => void) | undefined;
  private readonly unavailable: string | undefined;

  /** @param unavailable when set, start() fails with sensors.source_unavailable and this reason */
  constructor(kind: K, options: { unavailable?: string } = {}) {
    this.kind = kind;
    this.unavailable = options.unavailable;
  }

  get running(): boolean {
    return this.emit !== undefined;
  }

  start(emit: (reading: SensorReadingMap[K]) => void, onError?: (error: Error) => void): void {
    if (this.unavailable !== undefined) fail('sensors.source_unavailable', `scripted ${this.kind} source: ${this.unavailable}`);
    if (this.emit !== undefined) return;
    this.emit = emit;
    this.onError = onError;
    this.startCount++;
  }

  stop(): void {
    if (this.emit === undefined) return;
    this.emit = undefined;
    this.onError = undefined;
    this.stopCount++;
  }

  /** deliver a reading; returns whether the source was capturing */
  push(reading: SensorReadingMap[K]): boolean {
    if (this.emit === undefined) {
      this.discarded++;
      return false;
    }
    this.emit(reading);
    return true;
  }

  /** simulate a device failure while running */
  raise(error: Error): void {
    this.onError?.(error);
  }
}
