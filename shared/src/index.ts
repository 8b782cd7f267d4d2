export * from './errors/codes';
export * from './protocol/ack';
