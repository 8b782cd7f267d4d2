import { useSyncExternalStore } from 'react';

/**
 * The UI text of the three faces in English (the default) and Chinese (the
 * model conference is in Jilin). Every key has both; `{name}` placeholders are
 * filled from the parameters.
 */
const TEXT = {
  language: { en: 'Language', zh: '语言' },
  loading: { en: 'Connecting…', zh: '正在连接…' },
  reconnecting: { en: 'Connection lost. Reconnecting…', zh: '连接中断，正在重新连接…' },
  refused: { en: 'This link does not work: {message}', zh: '此链接无法使用：{message}' },
  onAir: { en: 'ON AIR', zh: '直播中' },
  onAirNaming: { en: 'ON AIR: {name}', zh: '直播中：{name}' },
  speakingFor: { en: 'speaking for {time}', zh: '已发言 {time}' },
  viewers: { en: '{count} watching', zh: '{count} 人在看' },
  mainVenue: { en: 'main venue', zh: '主会场' },
  subVenue: { en: 'sub-venue', zh: '分会场' },
  // Presider console
  consoleTitle: { en: 'Presider console', zh: '主持人控制台' },
  needHostKey: { en: 'This console opens with the presider link, the one that ends in #key=…', zh: '请使用主持人链接打开控制台（链接以 #key=… 结尾）' },
  program: { en: 'Program (what the venues see)', zh: '节目（各会场看到的画面）' },
  broadcastPreview: { en: 'Broadcast (what viewers see)', zh: '直播流（观众看到的画面）' },
  hearProgram: { en: 'Hear the program', zh: '收听节目声音' },
  venues: { en: 'Venues', zh: '会场' },
  giveFloorTo: { en: 'Give floor to {name}', zh: '请{name}发言' },
  returnFloor: { en: 'Return floor to main venue', zh: '发言权交回主会场' },
  muteVenue: { en: 'Mute {name}', zh: '将{name}静音' },
  unmuteVenue: { en: 'Unmute {name}', zh: '取消{name}静音' },
  raisedHand: { en: 'Raised hand', zh: '申请发言' },
  mutedBadge: { en: 'Muted', zh: '已静音' },
  absent: { en: 'Not connected', zh: '未连接' },
  quality: { en: '{kbps} kbit/s · loss {loss}% · RTT {rtt} ms', zh: '{kbps} kbit/s · 丢包 {loss}% · 延迟 {rtt} ms' },
  poorNetwork: { en: 'Poor network: {loss}% lost, {rtt} ms round trip. On air, its picture may freeze.', zh: '网络较差：丢包 {loss}%，往返 {rtt} 毫秒。发言时画面可能卡顿。' },
  ownPoorNetwork: { en: 'Your network is poor: {loss}% of what you send is lost, {rtt} ms round trip. On air, your picture may freeze: tell your IT team, or use a wired connection.', zh: '本会场网络较差：发送丢包 {loss}%，往返 {rtt} 毫秒。发言时画面可能卡顿：请联系技术人员，或改用有线网络。' },
  queue: { en: 'Requests to speak', zh: '发言申请' },
  queueEmpty: { en: 'Nobody is waiting to speak.', zh: '暂无发言申请。' },
  accept: { en: 'Accept request from {name}', zh: '同意{name}发言' },
  decline: { en: 'Decline request from {name}', zh: '拒绝{name}的申请' },
  muteOthers: { en: 'Giving the floor mutes the other sub-venues', zh: '授予发言权时静音其他分会场' },
  agenda: { en: 'Agenda', zh: '议程' },
  agendaEmpty: { en: 'No agenda items.', zh: '暂无议程。' },
  nextItem: { en: 'Next agenda item', zh: '下一项议程' },
  links: { en: 'Join links', zh: '入会链接' },
  copyLink: { en: 'Copy link for {name}', zh: '复制{name}的链接' },
  rotateLink: { en: 'New link for {name}', zh: '为{name}生成新链接' },
  copied: { en: 'Copied', zh: '已复制' },
  rotated: { en: 'New link made; the old one no longer works.', zh: '已生成新链接，旧链接已失效。' },
  mainCamera: { en: 'Main venue camera', zh: '主会场摄像头' },
  // Devices
  camera: { en: 'Camera', zh: '摄像头' },
  microphone: { en: 'Microphone', zh: '麦克风' },
  micLevel: { en: 'Microphone level', zh: '麦克风音量' },
  audioLevel: { en: 'Audio level of {name}', zh: '{name}的音量' },
  noDevices: { en: 'No camera or microphone is available: {message}', zh: '没有可用的摄像头或麦克风：{message}' },
  startCamera: { en: 'Start camera', zh: '开启摄像头' },
  cameraLive: { en: 'Camera is live', zh: '摄像头已开启' },
  // Sub-venue page
  joinTitle: { en: 'Join as {name}', zh: '以{name}身份入会' },
  joinHint: { en: 'Choose the camera and microphone of the room, check the picture and the level, then join.', zh: '请选择会场的摄像头和麦克风，确认画面和音量后入会。' },
  join: { en: 'Join the conference', zh: '加入会议' },
  joining: { en: 'Joining…', zh: '正在入会…' },
  programView: { en: 'Program', zh: '节目' },
  mainVenueView: { en: 'Main venue', zh: '主会场' },
  ownCamera: { en: 'Our camera', zh: '本会场画面' },
  requestFloor: { en: 'Request the floor', zh: '申请发言' },
  withdrawRequest: { en: 'Withdraw request', zh: '撤回申请' },
  statusWaiting: { en: 'Listening', zh: '聆听中' },
  statusQueued: { en: 'Queued: position {position}', zh: '排队中：第 {position} 位' },
  statusOnAir: { en: 'ON AIR: you have the floor', zh: '直播中：您正在发言' },
  statusMuted: { en: 'Muted by the presider', zh: '已被主持人静音' },
  conferenceEnded: { en: 'The conference has ended.', zh: '会议已结束。' },
  // Watch page
  live: { en: 'LIVE', zh: '直播' },
  goLive: { en: 'Go to live', zh: '回到直播' },
  rewind: { en: 'Rewind', zh: '回看' },
  position: { en: 'Position in the conference', zh: '会议进度' },
  behindLiveBy: { en: '{time} behind live', zh: '落后直播 {time}' },
  speechesSoFar: { en: 'Speeches so far', zh: '已有发言' },
  qualityMenu: { en: 'Quality', zh: '清晰度' },
  auto: { en: 'Auto', zh: '自动' },
  captionsMenu: { en: 'Captions', zh: '字幕' },
  chapters: { en: 'Speeches', zh: '发言' },
  playChapter: { en: 'Play from {time}: {venue}', zh: '从 {time} 播放：{venue}' },
  captionsOff: { en: 'Off', zh: '关闭' },
  // Captioner page
  captionerTitle: { en: 'Live captions: {channel}', zh: '实时字幕：{channel}' },
  captionerHint: { en: 'Type what is said; Enter sends the line to every viewer with captions on.', zh: '输入发言内容，按回车键发送给所有开启字幕的观众。' },
  captionLine: { en: 'Caption line', zh: '字幕内容' },
  sendLine: { en: 'Send', zh: '发送' },
  sentLines: { en: 'Sent', zh: '已发送' },
  lineFailed: { en: 'Not sent: {message}', zh: '未发送：{message}' },
  // Presider console: captions
  captionChannels: { en: 'Captions', zh: '字幕' },
  captionLanguage: { en: 'Language code (e.g. zh, ko, en)', zh: '语言代码（如 zh、ko、en）' },
  captionName: { en: 'Name viewers see', zh: '观众看到的名称' },
  addCaptions: { en: 'Add captions channel', zh: '添加字幕频道' },
  copyCaptionerLink: { en: 'Copy captioner link for {name}', zh: '复制{name}的字幕员链接' },
  removeCaptions: { en: 'Remove {name}', zh: '删除{name}' },
  // Interpretation: the interpreter's page, the console, the watch page, the sub-venue page
  interpreterTitle: { en: 'Interpreting into {channel}', zh: '同声传译：{channel}' },
  interpreterHint: { en: 'Wear headphones: you hear the original. Choose your microphone, check the level, then start. Viewers who choose {channel} hear you over the original.', zh: '请佩戴耳机收听原声。选择麦克风并确认音量后开始。选择{channel}的观众会听到您的声音（原声在下方）。' },
  startInterpreting: { en: 'Start interpreting', zh: '开始传译' },
  interpreterLive: { en: 'LIVE: viewers of {channel} hear you', zh: '直播中：{channel}的观众正在收听您的声音' },
  interpreterMuted: { en: 'MUTED: {channel} carries the original', zh: '已静音：{channel}播放原声' },
  muteMe: { en: 'Mute my microphone', zh: '关闭我的麦克风' },
  unmuteMe: { en: 'Go live', zh: '开启麦克风' },
  originalSound: { en: 'The original (in your headphones)', zh: '原声（耳机中）' },
  interpretation: { en: 'Interpretation', zh: '同声传译' },
  addInterpretation: { en: 'Add interpretation channel', zh: '添加传译频道' },
  copyInterpreterLink: { en: 'Copy interpreter link for {name}', zh: '复制{name}的译员链接' },
  interpreterOnAir: { en: 'interpreter connected', zh: '译员已连接' },
  interpreterAway: { en: 'no interpreter: carries the original', zh: '无译员：播放原声' },
  audioMenu: { en: 'Audio', zh: '声音' },
  signLanguage: { en: 'Sign language', zh: '手语' },
  signLanguageVenue: { en: 'Picture in the broadcast\'s corner', zh: '直播画面角落的画面' },
  original: { en: 'Original', zh: '原声' },
  downloads: { en: 'Download the recording', zh: '下载录像' },
  downloadVideo: { en: 'Video, {quality}, with the original sound (MP4)', zh: '视频 {quality}，原声（MP4）' },
  downloadOriginal: { en: 'The original sound (M4A)', zh: '原声音频（M4A）' },
  downloadInterpretation: { en: 'Interpretation into {language} (M4A)', zh: '{language} 传译音频（M4A）' },
  restream: { en: 'Restream to other platforms', zh: '转推到其他平台' },
  restreamAddress: { en: 'Streaming address (rtmp://, rtmps:// or srt://, with its stream key)', zh: '推流地址（rtmp://、rtmps:// 或 srt://，含推流密钥）' },
  addDestination: { en: 'Add destination', zh: '添加推流目标' },
  removeDestination: { en: 'Stop streaming to {name}', zh: '停止推流到 {name}' },
  destinationConnecting: { en: 'connecting', zh: '正在连接' },
  destinationLive: { en: 'live', zh: '推流中' },
  destinationRetrying: { en: 'retrying', zh: '正在重试' },
  destinationStopped: { en: 'stopped', zh: '已停止' },
  noDestinations: { en: 'The broadcast goes to our own watch page only.', zh: '直播仅在本平台观看页播出。' },
  hearChannel: { en: 'The room hears', zh: '本会场收听' },
  nowSpeaking: { en: 'Now speaking: {name}', zh: '正在发言：{name}' },
  notStarted: { en: 'The broadcast has not started yet. This page starts playing by itself when it does.', zh: '直播尚未开始。开始后本页面会自动播放。' },
  endedPlaying: { en: 'The conference has ended. You are watching the recording.', zh: '会议已结束，正在播放录像。' },
  endedNoRecording: { en: 'The conference has ended.', zh: '会议已结束。' },
  noConference: { en: 'There is no such conference.', zh: '没有找到这个会议。' },
  playerTrouble: { en: 'The stream is interrupted. Trying again…', zh: '直播流中断，正在重试…' },
} as const satisfies Record<string, { en: string; zh: string }>;

export type TextKey = keyof typeof TEXT;
export type Language = 'en' | 'zh';

const STORAGE_KEY = 'plenary.language';
const listeners = new Set<() => void>();

function initialLanguage(): Language {
  const asked = new URLSearchParams(location.search).get('lang') ?? safeStorage()?.getItem(STORAGE_KEY);
  return asked === 'zh' ? 'zh' : 'en';
}

function safeStorage(): Storage | undefined {
  try {
    return localStorage;
  } catch {
    return undefined; // storage disabled (private mode, sandboxed frame)
  }
}

let current: Language = initialLanguage();
document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';

export function setLanguage(language: Language): void {
  current = language;
  safeStorage()?.setItem(STORAGE_KEY, language);
  document.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en';
  for (const listener of listeners) listener();
}

export function translate(language: Language, key: TextKey, params: Record<string, string | number> = {}): string {
  return TEXT[key][language].replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? ''));
}

/** The current language and its translate function; re-renders when the language changes. */
export function useText(): { language: Language; t: (key: TextKey, params?: Record<string, string | number>) => string } {
  const language = useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
  );
  return { language, t: (key, params) => translate(language, key, params) };
}
