import { createRoot } from 'react-dom/client';
import { CaptionerPage } from './CaptionerPage';
import '../common/styles.css';

const token = decodeURIComponent(location.pathname.split('/')[2] ?? '');
createRoot(document.getElementById('root') as HTMLElement).render(<CaptionerPage token={token} />);
