import { createRoot } from 'react-dom/client';
import { JoinPage } from './JoinPage';
import '../common/styles.css';

const token = decodeURIComponent(location.pathname.split('/')[2] ?? '');
createRoot(document.getElementById('root') as HTMLElement).render(<JoinPage token={token} />);
