// webvtt-parser (the W3C WebVTT parser and validator) ships no types: what the tests use of it.
declare module 'webvtt-parser' {
  export interface ParsedCue {
    startTime: number;
    endTime: number;
    text: string;
    tree: { children: { type: string; value?: string; name?: string }[] };
  }
  export class WebVTTParser {
    constructor(entities?: Record<string, string>);
    parse(input: string, mode: 'subtitles' | 'metadata'): { cues: ParsedCue[]; errors: { message: string; line: number }[] };
  }
}
