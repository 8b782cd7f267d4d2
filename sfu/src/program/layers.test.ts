import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { testLogger } from '../test/logger';
import { LAYER_HOLD_MS, LayerHold } from './layers';

/** A stand-in for a mediasoup simulcast consumer: it reports layer changes and records the preferred layers asked. */
class FakeSimulcastConsumer extends EventEmitter {
  readonly id = 'c1';
  readonly type = 'simulcast';
  readonly observer = new EventEmitter();
  closed = false;
  preferredLayers: types.ConsumerLayers = { spatialLayer: 1, temporalLayer: 0 };
  readonly asked: types.ConsumerLayers[] = [];
  async setPreferredLayers(layers: types.ConsumerLayers) {
    this.asked.push(layers);
  }
}

describe('the program on a venue whose browser drops and retries its top simulcast layer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('stays on the lower layer it stepped down to for a while, then may climb again', () => {
    const consumer = new FakeSimulcastConsumer();
    new LayerHold(consumer as unknown as types.Consumer, testLogger);
    consumer.emit('layerschange', { spatialLayer: 1, temporalLayer: 0 });
    expect(consumer.asked).toEqual([]);
    consumer.emit('layerschange', { spatialLayer: 0, temporalLayer: 0 }); // the top layer collapsed
    expect(consumer.asked).toEqual([{ spatialLayer: 0 }]);
    jest.advanceTimersByTime(LAYER_HOLD_MS - 1);
    expect(consumer.asked).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(consumer.asked).toEqual([{ spatialLayer: 0 }, { spatialLayer: 1, temporalLayer: 0 }]);
  });

  it('holds twice as long when the climb fails again at once, as long again when the link was fine a while, and asks nothing once its consumer closed', () => {
    const consumer = new FakeSimulcastConsumer();
    new LayerHold(consumer as unknown as types.Consumer, testLogger);
    const stepDown = () => {
      consumer.emit('layerschange', { spatialLayer: 1, temporalLayer: 0 });
      consumer.emit('layerschange', { spatialLayer: 0, temporalLayer: 0 });
    };
    stepDown();
    jest.advanceTimersByTime(LAYER_HOLD_MS);
    stepDown(); // the browser's first try of its top layer fails at once
    expect(consumer.asked).toHaveLength(3);
    jest.advanceTimersByTime(2 * LAYER_HOLD_MS - 1);
    expect(consumer.asked).toHaveLength(3);
    jest.advanceTimersByTime(1);
    expect(consumer.asked).toHaveLength(4); // released after twice the hold
    jest.advanceTimersByTime(120_000); // the top layer holds for two minutes
    stepDown();
    jest.advanceTimersByTime(LAYER_HOLD_MS);
    expect(consumer.asked).toHaveLength(6); // held and released after the first hold again
    stepDown();
    expect(consumer.asked).toHaveLength(7);
    consumer.closed = true;
    consumer.observer.emit('close');
    jest.advanceTimersByTime(4 * LAYER_HOLD_MS);
    expect(consumer.asked).toHaveLength(7);
    // A pause (no layer) is not a step down.
    consumer.emit('layerschange', undefined);
    expect(consumer.asked).toHaveLength(7);
  });

  it('tells the venue to send nothing above the held layer while it holds, and every layer again when it lets go or the consumer closes', () => {
    const consumer = new FakeSimulcastConsumer();
    const told: (number | undefined)[] = [];
    new LayerHold(consumer as unknown as types.Consumer, testLogger, { onHold: (layer) => told.push(layer) });
    consumer.emit('layerschange', { spatialLayer: 1, temporalLayer: 0 });
    expect(told).toEqual([]);
    consumer.emit('layerschange', { spatialLayer: 0, temporalLayer: 0 });
    expect(told).toEqual([0]);
    jest.advanceTimersByTime(LAYER_HOLD_MS);
    expect(told).toEqual([0, undefined]);
    consumer.emit('layerschange', { spatialLayer: 1, temporalLayer: 0 });
    consumer.emit('layerschange', { spatialLayer: 0, temporalLayer: 0 });
    expect(told).toEqual([0, undefined, 0]);
    consumer.closed = true;
    consumer.observer.emit('close');
    expect(told).toEqual([0, undefined, 0, undefined]);
  });

  it('ends a hold only once the venue\'s link lost nothing for a while: a link still lossy keeps the lower layer', async () => {
    const consumer = new FakeSimulcastConsumer();
    const told: (number | undefined)[] = [];
    const link = { packets: 0, lost: 0, lossy: true };
    // The venue's link as the SFU counts it: 40 packets a second, 2 % of them lost while lossy.
    const flow = setInterval(() => {
      link.packets += 40;
      if (link.lossy) link.lost += 1;
    }, 1000);
    new LayerHold(consumer as unknown as types.Consumer, testLogger, { onHold: (layer) => told.push(layer), linkCounts: async () => ({ packets: link.packets, lost: link.lost }) });
    consumer.emit('layerschange', { spatialLayer: 1, temporalLayer: 0 });
    consumer.emit('layerschange', { spatialLayer: 0, temporalLayer: 0 });
    await jest.advanceTimersByTimeAsync(3 * LAYER_HOLD_MS);
    expect(told).toEqual([0]); // still held: the browser is not told to climb onto a lossy link
    expect(consumer.asked).toEqual([{ spatialLayer: 0 }]);
    link.lossy = false;
    await jest.advanceTimersByTimeAsync(15_000);
    expect(told).toEqual([0, undefined]);
    expect(consumer.asked).toEqual([{ spatialLayer: 0 }, { spatialLayer: 1, temporalLayer: 0 }]);
    clearInterval(flow);
  });
});

