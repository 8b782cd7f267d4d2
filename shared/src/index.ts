export * from './errors/codes';
export * from './protocol/ack';
export * from './protocol/commands';
export * from './conference/index';
export * from './protocol/socket';
export * from './protocol/media';
export * from './protocol/messages';
export * from './protocol/public';
