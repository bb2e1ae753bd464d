/**
 * The kernel event bus: one bounded ring of typed events (`EventMap` in
 * common/events.ts) and many subscribers, each with its own cursor.
 *
 * publish() never blocks: it stamps seq and time, writes the ring slot
 * (overwriting the oldest event when full) and returns. Every subscriber
 * whose cursor had not yet passed an overwritten event of a topic it wants
 * has that event counted in its `dropped`.
 *
 * Pull subscribers call poll(). Push subscribers (options.onEvent) are fed
 * in a microtask after publish, in order, never inside the publisher's call
 * (so a subscriber can never re-enter or stall the code that published);
 * a burst larger than the ring between two deliveries drops like a slow
 * poller would. An exception thrown by one onEvent is counted in its
 * `listenerErrors` and the others still get the event.
 */

import { fail, type BusEvent, type EventMap, type EventTopic } from '../../common/index.ts';
import type { Clock } from '../../hal/index.ts';

/** BusEvent for each topic in T, as a discriminated union on `topic` */
export type TopicEvent<T extends EventTopic> = T extends EventTopic ? BusEvent<T> : never;

export interface SubscribeOptions<T extends EventTopic> {
  /** push delivery (in a microtask after publish) */
  readonly onEvent?: (event: TopicEvent<T>) => void;
  /** for stats and `bus` listings */
  readonly name?: string;
}

export interface Subscription<T extends EventTopic> {
  readonly id: number;
  /** events published since the last poll (oldest first), at most `max` */
  poll(max?: number): TopicEvent<T>[];
  /** events of wanted topics overwritten before this subscriber read them */
  readonly dropped: number;
  close(): void;
  readonly closed: boolean;
}

export interface SubscriberStats {
  readonly id: number;
  readonly name: string;
  readonly topics: readonly EventTopic[] | '*';
  readonly delivered: number;
  readonly dropped: number;
  /** onEvent calls that threw */
  readonly listenerErrors: number;
}

export interface BusStats {
  readonly published: number;
  readonly capacity: number;
  /** events currently held */
  readonly retained: number;
  readonly subscribers: readonly SubscriberStats[];
}

export interface EventBusOptions {
  readonly clock: Clock;
  /** clock reading at boot [ms]; event times are relative to it */
  readonly bootTime: number;
  /** events held [count]; default 4096 */
  readonly capacity?: number;
}

/** what reading needs of a subscriber */
interface ReadCursor {
  /** seq of the last event examined */
  cursor: number;
  delivered: number;
  wants(topic: EventTopic): boolean;
}

class BusSubscription<T extends EventTopic> implements Subscription<T> {
  readonly id: number;
  readonly name: string;
  readonly topics: ReadonlySet<EventTopic> | '*';
  readonly onEvent: ((event: TopicEvent<T>) => void) | undefined;
  /** seq of the last event examined */
  cursor: number;
  droppedCount = 0;
  delivered = 0;
  listenerErrors = 0;
  closed = false;
  private readonly bus: EventBus;

  constructor(bus: EventBus, id: number, topics: readonly T[] | '*', options: SubscribeOptions<T>, cursor: number) {
    this.bus = bus;
    this.id = id;
    this.name = options.name ?? `subscriber ${id}`;
    this.topics = topics === '*' ? '*' : new Set(topics);
    this.onEvent = options.onEvent;
    this.cursor = cursor;
  }

  wants(topic: EventTopic): boolean {
    return this.topics === '*' || this.topics.has(topic);
  }

  get dropped(): number {
    return this.droppedCount;
  }

  poll(max = Number.POSITIVE_INFINITY): TopicEvent<T>[] {
    if (this.closed) fail('bus.closed', `bus: ${this.name} was closed`);
    return this.bus.read(this, max) as TopicEvent<T>[];
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.bus.remove(this as unknown as BusSubscription<EventTopic>);
  }
}

export class EventBus {
  readonly capacity: number;
  private readonly clock: Clock;
  private readonly bootTime: number;
  /** slot of seq s is (s - 1) % capacity */
  private readonly ring: (BusEvent | undefined)[];
  private published = 0;
  private nextSubscriberId = 1;
  /** every live subscription, whatever its topics */
  private readonly subscribers = new Set<BusSubscription<EventTopic>>();
  private deliveryScheduled = false;

  constructor(options: EventBusOptions) {
    const capacity = options.capacity ?? 4096;
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new Error(`bus: capacity ${capacity} must be a positive integer`);
    this.capacity = capacity;
    this.clock = options.clock;
    this.bootTime = options.bootTime;
    this.ring = new Array<BusEvent | undefined>(capacity).fill(undefined);
  }

  publish<T extends EventTopic>(topic: T, payload: EventMap[T]): BusEvent<T> {
    const event: BusEvent<T> = { topic, seq: this.published + 1, time: this.clock.now() - this.bootTime, payload };
    const slot = this.published % this.capacity;
    const overwritten = this.ring[slot];
    if (overwritten !== undefined) {
      for (const subscriber of this.subscribers) if (subscriber.cursor < overwritten.seq && subscriber.wants(overwritten.topic)) subscriber.droppedCount++;
    }
    this.ring[slot] = event as BusEvent;
    this.published++;
    if (!this.deliveryScheduled) {
      for (const subscriber of this.subscribers) {
        if (subscriber.onEvent === undefined) continue;
        this.deliveryScheduled = true;
        queueMicrotask(() => this.deliver());
        break;
      }
    }
    return event;
  }

  subscribe<T extends EventTopic>(topics: readonly T[] | '*', options: SubscribeOptions<T> = {}): Subscription<T> {
    const subscription = new BusSubscription<T>(this, this.nextSubscriberId++, topics, options, this.published);
    this.subscribers.add(subscription as unknown as BusSubscription<EventTopic>);
    return subscription;
  }

  stats(): BusStats {
    return {
      published: this.published,
      capacity: this.capacity,
      retained: Math.min(this.published, this.capacity),
      subscribers: [...this.subscribers].map((s) => ({
        id: s.id,
        name: s.name,
        topics: s.topics === '*' ? '*' : [...s.topics],
        delivered: s.delivered,
        dropped: s.droppedCount,
        listenerErrors: s.listenerErrors,
      })),
    };
  }

  /** @internal events after the subscriber's cursor that it wants, at most `max` */
  read(subscriber: ReadCursor, max: number): BusEvent[] {
    const out: BusEvent[] = [];
    const oldest = Math.max(1, this.published - this.capacity + 1);
    let seq = Math.max(subscriber.cursor + 1, oldest);
    for (; seq <= this.published && out.length < max; seq++) {
      const event = this.ring[(seq - 1) % this.capacity]!;
      if (subscriber.wants(event.topic)) out.push(event);
    }
    subscriber.cursor = seq - 1;
    subscriber.delivered += out.length;
    return out;
  }

  /** @internal */
  remove(subscriber: BusSubscription<EventTopic>): void {
    this.subscribers.delete(subscriber);
  }

  private deliver(): void {
    this.deliveryScheduled = false;
    for (const subscriber of [...this.subscribers]) {
      if (subscriber.onEvent === undefined) continue;
      for (const event of this.read(subscriber, Number.POSITIVE_INFINITY)) {
        if (subscriber.closed) break;
        try {
          subscriber.onEvent(event as TopicEvent<EventTopic>);
        } catch {
          subscriber.listenerErrors++;
        }
      }
    }
  }
}
