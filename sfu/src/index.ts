export { WorkerPool, type WorkerPoolOptions, type MediaWorker, type WorkerStatus } from './workers/pool';
export { routerMediaCodecs } from './codecs';
export { runLoopbackSelfTest, plainRtpCapabilities, type LoopbackResult } from './selftest/loopback';
export { freeTcpPort } from './net/ports';
