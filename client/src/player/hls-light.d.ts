// hls.js ships no types for its light build; it is the same API without the features we do not use
// (subtitles, alternate audio, DRM, CMCD, content steering, interstitials).
declare module 'hls.js/light' {
  export * from 'hls.js';
  export { default } from 'hls.js';
}
