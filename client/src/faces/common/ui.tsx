import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { setLanguage, useText } from './i18n';

/** English / 中文, remembered by the browser. */
export function LanguageSwitch() {
  const { language, t } = useText();
  return (
    <label className="language">
      <span className="visually-hidden">{t('language')}</span>
      <select aria-label={t('language')} value={language} onChange={(e) => setLanguage(e.target.value === 'zh' ? 'zh' : 'en')}>
        <option value="en">English</option>
        <option value="zh">中文</option>
      </select>
    </label>
  );
}

/** A muted, inline <video> showing one track or stream; `label` names it for screen readers. */
export function VideoView({ source, label, className, muted = true, volume = 1 }: { source: MediaStreamTrack | MediaStream | undefined; label: string; className?: string; muted?: boolean; volume?: number }) {
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const element = video.current;
    if (!element) return;
    element.srcObject = source === undefined ? null : source instanceof MediaStream ? source : new MediaStream([source]);
    if (source) void element.play().catch(() => undefined);
  }, [source]);
  useEffect(() => {
    if (video.current) video.current.muted = muted;
  }, [muted]);
  useEffect(() => {
    if (video.current) video.current.volume = volume;
  }, [volume]);
  return <video ref={video} className={className ?? 'video'} aria-label={label} autoPlay playsInline muted={muted} />;
}

/**
 * The loudness of an audio track as a bar, from a WebAudio analyser. Chromium
 * only feeds remote WebRTC audio into WebAudio while a media element plays it,
 * so the track also goes into a muted <audio>.
 */
export function LevelMeter({ track, label }: { track: MediaStreamTrack | undefined; label: string }) {
  const [level, setLevel] = useState(0);
  useEffect(() => {
    if (!track) return;
    const stream = new MediaStream([track]);
    const sink = new Audio();
    sink.muted = true;
    sink.srcObject = stream;
    void sink.play().catch(() => undefined);
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const sample of samples) sum += sample * sample;
      const rms = Math.sqrt(sum / samples.length);
      // -60 dBFS .. 0 dBFS onto 0..100.
      setLevel(Math.max(0, Math.min(100, Math.round(((20 * Math.log10(rms || 1e-6)) + 60) * (100 / 60)))));
    }, 150);
    return () => {
      clearInterval(timer);
      void context.close();
      sink.srcObject = null;
    };
  }, [track]);
  return (
    <div className="meter" role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={level}>
      <div className="meter-fill" style={{ width: `${level}%` }} />
    </div>
  );
}

/** The current time, updated every `everyMs`: for timers on screen. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** 75 s -> "1:15", 3725 s -> "1:02:05". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/** Re-renders whenever `subscribe` reports a change; returns `read()`'s latest value. */
export function useExternal<T>(subscribe: (listener: () => void) => () => void, read: () => T): T {
  return useSyncExternalStore(subscribe, read);
}
