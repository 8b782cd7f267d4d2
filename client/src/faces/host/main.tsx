import { createRoot } from 'react-dom/client';
import { Console } from './Console';
import '../common/styles.css';

// The host secret travels in the fragment: browsers never send it to a server or put it in logs.
const conferenceId = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const hostSecret = new URLSearchParams(location.hash.slice(1)).get('key') ?? undefined;
createRoot(document.getElementById('root') as HTMLElement).render(<Console conferenceId={conferenceId} hostSecret={hostSecret} />);
