import { healthOfStream, isPoorNetwork, type ConferenceState, type Venue, type VenueMediaStats } from '@plenary/shared';
import { roundTrip } from '../common/network';
import type { VenueSession } from '../../session/venue-session';
import { useText } from '../common/i18n';
import { useReceivedTrack } from '../common/session-hooks';
import { LevelMeter, VideoView } from '../common/ui';

/** One venue in the presider's grid: live thumbnail (low layer), level, link quality, badges, floor and mute buttons. */
export function VenueTile({ session, state, venue, stats, act }: {
  session: VenueSession;
  state: ConferenceState;
  venue: Venue;
  stats: VenueMediaStats[];
  act: (command: Parameters<VenueSession['command']>[0]) => void;
}) {
  const { t } = useText();
  // A venue that comes back publishes anew: presence is the epoch of its media.
  const video = useReceivedTrack(session, venue.present ? { venueId: venue.id, kind: 'video' } : undefined, 0, venue.present);
  const audio = useReceivedTrack(session, venue.present ? { venueId: venue.id, kind: 'audio' } : undefined, undefined, venue.present);
  const onAir = state.floor.holder === venue.id;
  const queued = state.floor.queue.some((request) => request.venueId === venue.id);
  const videoStats = stats.find((s) => s.venueId === venue.id && s.kind === 'video');
  const audioStats = stats.find((s) => s.venueId === venue.id && s.kind === 'audio');
  const bitrate = (videoStats?.bitrate ?? 0) + (audioStats?.bitrate ?? 0);
  const muted = venue.mutedByPresider || venue.selfMuted;
  // Said before the floor is given: a venue on a poor link freezes the broadcast when on air.
  const health = healthOfStream(videoStats);
  const poor = venue.present && isPoorNetwork(health);
  const warningId = `poor-network-${venue.id}`;
  return (
    <li className={`tile ${onAir ? 'on-air' : ''} ${venue.present ? '' : 'absent'}`} aria-label={venue.name}>
      <div className="tile-video">
        <VideoView source={video} label={venue.name} />
        {onAir && <span className="badge on-air-badge">{t('onAir')}</span>}
      </div>
      <div className="tile-head">
        <strong>{venue.name}</strong>
        <span className="kind">{venue.kind === 'main' ? t('mainVenue') : t('subVenue')}</span>
      </div>
      <LevelMeter track={audio} label={t('audioLevel', { name: venue.name })} />
      <div className="badges">
        {!venue.present && <span className="badge">{t('absent')}</span>}
        {queued && <span className="badge hand">✋ {t('raisedHand')}</span>}
        {muted && <span className="badge muted">🔇 {t('mutedBadge')}</span>}
      </div>
      {health && (
        <p className="quality">
          {t('quality', { kbps: Math.round(bitrate / 1000), loss: health.lossPercent.toFixed(1), rtt: roundTrip(health) })}
        </p>
      )}
      {poor && health && (
        <p className="warning" role="status" id={warningId} data-testid="poor-network">
          ⚠ {t('poorNetwork', { loss: health.lossPercent.toFixed(0), rtt: roundTrip(health) })}
        </p>
      )}
      <div className="tile-actions">
        <button className="primary" disabled={onAir || (venue.kind === 'sub' && !venue.present)} aria-describedby={poor ? warningId : undefined} onClick={() => act({ type: 'giveFloor', venueId: venue.id })}>
          {t('giveFloorTo', { name: venue.name })}
        </button>
        {venue.kind === 'sub' && (
          <button onClick={() => act({ type: 'setMuted', venueId: venue.id, muted: !venue.mutedByPresider })}>
            {venue.mutedByPresider ? t('unmuteVenue', { name: venue.name }) : t('muteVenue', { name: venue.name })}
          </button>
        )}
      </div>
    </li>
  );
}
