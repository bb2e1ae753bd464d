/**
 * A sensor driver: one sense, its sources, its privacy gate, its rate
 * limit, and the bus it publishes on.
 *
 *   gate says no  → sources stopped (never started); nothing captured
 *   gate says yes → sources started; reading → featurizer → token bucket
 *                   → 'sensor.event' on the bus (or dropped and counted)
 *   gate withdraws → sources stopped at once; featurizer state forgotten
 *
 * A source that cannot start, or fails while running, leaves the driver in
 * state 'failed' with the error in stats().lastError; the next grant tries
 * again. Gate callbacks never throw.
 */

import type { SensorEvent, SensorKind } from '../common/index.ts';
import type { SensorReadingMap, SensorSource } from '../hal/index.ts';
import type { EventBus } from '../kernel/index.ts';
import type { Featurizer } from './featurizers.ts';
import type { SenseGate } from './gate.ts';
import { TokenBucket } from './token-bucket.ts';

export interface RateLimit {
  /** sustained events per second */
  readonly perSecond: number;
  /** events allowed in one burst */
  readonly burst: number;
}

/** per-sense defaults: mic is 50 frames/s by construction; fs storms (npm install) are the usual overflow */
export const DEFAULT_RATE_LIMITS: Readonly<Record<SensorKind, RateLimit>> = {
  kbd: { perSecond: 50, burst: 100 },
  mic: { perSecond: 50, burst: 50 },
  usb: { perSecond: 10, burst: 20 },
  fs: { perSecond: 200, burst: 400 },
  net: { perSecond: 100, burst: 200 },
};

export type SensorDriverState = 'closed' | 'gated' | 'capturing' | 'failed';

export interface SensorDriverStats {
  readonly kind: SensorKind;
  readonly state: SensorDriverState;
  /** raw readings received from the sources while capturing */
  readonly captured: number;
  /** events published on the bus */
  readonly published: number;
  /** events dropped by the rate limit */
  readonly dropped: number;
  /** events published in the last whole second of event time [1/s] */
  readonly ratePerSecond: number;
  readonly rateLimit: RateLimit;
  /** why the sources last failed, if they did */
  readonly lastError?: string;
}

export interface SensorDriverOptions<K extends SensorKind> {
  readonly kind: K;
  readonly sources: readonly SensorSource<K>[];
  readonly featurizer: Featurizer<K>;
  readonly gate: SenseGate;
  /** where events go; a recorder may pass `publish` instead */
  readonly bus?: Pick<EventBus, 'publish'>;
  /** called for each published event (after the bus); for recorders and tests */
  readonly onEvent?: (event: SensorEvent) => void;
  /** default DEFAULT_RATE_LIMITS[kind] */
  readonly rateLimit?: RateLimit;
  /** subtracted from source times [ms]: the clock reading at boot (or at the start of a recording) */
  readonly timeOriginMs?: number;
}

export class SensorDriver<K extends SensorKind> {
  readonly kind: K;
  private readonly options: SensorDriverOptions<K>;
  private readonly bucket: TokenBucket;
  private state: SensorDriverState = 'closed';
  private unsubscribeGate: (() => void) | undefined;
  /** bumped at every start and stop, so a late reading from an old capture is ignored */
  private generation = 0;
  private captured = 0;
  private published = 0;
  private dropped = 0;
  private lastError: string | undefined;
  /** [s] index of the event-time second being counted, and its count so far */
  private rateSecond = Number.NEGATIVE_INFINITY;
  private rateCount = 0;
  private lastRate = 0;

  constructor(options: SensorDriverOptions<K>) {
    this.kind = options.kind;
    this.options = options;
    const limit = options.rateLimit ?? DEFAULT_RATE_LIMITS[options.kind];
    this.bucket = new TokenBucket(limit.perSecond, limit.burst);
  }

  /** follow the gate from now on (start capturing if it already allows) */
  open(): void {
    if (this.state !== 'closed') return;
    this.state = 'gated';
    this.unsubscribeGate = this.options.gate.onChange(() => this.follow());
    this.follow();
  }

  /** stop capturing and stop following the gate */
  close(): void {
    this.unsubscribeGate?.();
    this.unsubscribeGate = undefined;
    this.stopSources();
    this.state = 'closed';
  }

  stats(): SensorDriverStats {
    return {
      kind: this.kind,
      state: this.state,
      captured: this.captured,
      published: this.published,
      dropped: this.dropped,
      ratePerSecond: this.lastRate,
      rateLimit: { perSecond: this.bucket.ratePerSecond, burst: this.bucket.burst },
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
    };
  }

  private follow(): void {
    if (this.state === 'closed') return;
    const allowed = this.options.gate.allows(this.kind);
    if (allowed && this.state !== 'capturing') this.startSources();
    else if (!allowed && this.state !== 'gated') {
      this.stopSources();
      this.state = 'gated';
    }
  }

  private startSources(): void {
    const generation = ++this.generation;
    this.bucket.reset();
    this.options.featurizer.reset();
    this.state = 'capturing';
    const emit = (reading: SensorReadingMap[K]): void => {
      if (generation === this.generation) this.capture(reading);
    };
    const onError = (error: Error): void => {
      if (generation === this.generation) this.failed(error);
    };
    try {
      for (const source of this.options.sources) {
        source.start(emit, onError);
        if (generation !== this.generation) return;
      }
    } catch (error) {
      this.failed(error as Error);
    }
  }

  private stopSources(): void {
    this.generation++;
    for (const source of this.options.sources) source.stop();
    this.options.featurizer.reset();
  }

  private failed(error: Error): void {
    this.stopSources();
    this.lastError = error.message;
    this.state = 'failed';
  }

  private capture(reading: SensorReadingMap[K]): void {
    this.captured++;
    this.options.featurizer.featurize(reading, this.options.timeOriginMs ?? 0, (event) => this.publish(event));
  }

  private publish(event: SensorEvent): void {
    if (!this.bucket.take(event.atMs)) {
      this.dropped++;
      return;
    }
    this.published++;
    const second = Math.floor(event.atMs / 1000);
    if (second !== this.rateSecond) {
      this.lastRate = second === this.rateSecond + 1 ? this.rateCount : 0;
      this.rateSecond = second;
      this.rateCount = 0;
    }
    this.rateCount++;
    this.options.bus?.publish('sensor.event', event);
    this.options.onEvent?.(event);
  }
}
