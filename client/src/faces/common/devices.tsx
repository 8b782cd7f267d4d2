import { useEffect, useRef, useState } from 'react';
import { useText } from './i18n';
import { LevelMeter, VideoView } from './ui';

/**
 * Camera and microphone choice with a live preview and a level meter (the
 * microphone only, `audioOnly`: an interpreter). The chosen stream is handed to
 * `onStream`; a stream replaced by another choice is stopped. The last one
 * belongs to the parent (it may be published).
 */
export function DevicePicker({ onStream, audioOnly = false }: { onStream: (stream: MediaStream | undefined) => void; audioOnly?: boolean }) {
  const { t } = useText();
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [cameraId, setCameraId] = useState('');
  const [micId, setMicId] = useState('');
  const [stream, setStream] = useState<MediaStream>();
  const [problem, setProblem] = useState<string>();
  const previous = useRef<MediaStream | undefined>(undefined);

  useEffect(() => {
    let stopped = false;
    navigator.mediaDevices
      .getUserMedia({
        video: audioOnly ? false : cameraId ? { deviceId: { exact: cameraId }, width: 1280, height: 720 } : { width: 1280, height: 720 },
        audio: micId ? { deviceId: { exact: micId } } : true,
      })
      .then(async (next) => {
        if (stopped) return next.getTracks().forEach((track) => track.stop());
        previous.current?.getTracks().forEach((track) => track.stop());
        previous.current = next;
        setProblem(undefined);
        setStream(next);
        onStream(next);
        // Labels are only readable once the page may use the devices.
        setDevices(await navigator.mediaDevices.enumerateDevices());
      })
      .catch((error: Error) => !stopped && setProblem(error.message || error.name));
    return () => {
      stopped = true;
    };
    // onStream is the parent's setter; choosing devices is what re-opens the stream.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [cameraId, micId]);

  const cameras = devices.filter((d) => d.kind === 'videoinput');
  const mics = devices.filter((d) => d.kind === 'audioinput');
  const current = (kind: 'video' | 'audio') => stream?.getTracks().find((track) => track.kind === kind)?.getSettings().deviceId ?? '';
  return (
    <div className="devices">
      {problem && <p role="alert" className="problem">{t('noDevices', { message: problem })}</p>}
      {!audioOnly && <VideoView source={stream} label={t('ownCamera')} className="video preview" />}
      {!audioOnly && <DeviceSelect label={t('camera')} devices={cameras} value={cameraId || current('video')} onChange={setCameraId} />}
      <DeviceSelect label={t('microphone')} devices={mics} value={micId || current('audio')} onChange={setMicId} />
      <div>
        <span className="muted-text">{t('micLevel')}</span>
        <LevelMeter track={stream?.getAudioTracks()[0]} label={t('micLevel')} />
      </div>
    </div>
  );
}

function DeviceSelect({ label, devices, value, onChange }: { label: string; devices: MediaDeviceInfo[]; value: string; onChange: (deviceId: string) => void }) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        {devices.map((device, i) => (
          <option key={device.deviceId} value={device.deviceId}>{device.label || `${label} ${i + 1}`}</option>
        ))}
      </select>
    </label>
  );
}
