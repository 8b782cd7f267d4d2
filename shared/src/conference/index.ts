export * from './state';
export * from './events';
export * from './actors';
export { applyEvent, applyEvents } from './apply';
export { decide, MAX_DESTINATIONS, type SystemCommand } from './decide';
export { createConference, type CreateConference } from './create';
export { ConferenceMirror, type MirrorOutcome } from './mirror';
