import { createRoot } from 'react-dom/client';
import { WatchPage } from './WatchPage';
import '../common/styles.css';

const conferenceId = decodeURIComponent(location.pathname.split('/')[2] ?? '');
createRoot(document.getElementById('root') as HTMLElement).render(<WatchPage conferenceId={conferenceId} />);
